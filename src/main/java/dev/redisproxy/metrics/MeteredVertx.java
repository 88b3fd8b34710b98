package dev.redisproxy.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * Builds the production Vert.x with vertx-micrometer-metrics reporting into the proxy's registry:
 * JVM figures (memory, GC, threads, CPU, uptime) and the worker and Redis connection pools
 * ({@code vertx_pool_*}, the Redis pool as {@code pool_name="redis-proxy"}).
 *
 * <p>Vert.x's own per-request metrics are off. For every HTTP request they build tags and look
 * up several meters (a timer, a counter, two summaries, an active-requests gauge), and for every
 * event-bus message a counter and a gauge by address: that is allocation and map lookups on each
 * hit, and every {@code GET /get/<key>} is one request and two messages. The proxy counts
 * requests by front end and status itself, with counters registered up front
 * ({@link ProxyMetrics#requests}). Vert.x's Redis client metrics are off too: the proxy times
 * its Redis reads itself ({@code redis_proxy_redis_read_seconds}); and so are the TCP client
 * metrics, which show the Redis client's connections but not its bytes (always 0).
 */
public final class MeteredVertx {

  private MeteredVertx() {
  }

  public static Vertx create(VertxOptions options, PrometheusMeterRegistry registry) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // vertx-micrometer keeps registries in a static map by name: one name per registry.
        .setRegistryName("redis-proxy-" + System.identityHashCode(registry))
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory("redis");
    return Vertx.builder()
        .with(new VertxOptions(options).setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }
}
