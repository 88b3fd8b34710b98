package dev.redisproxy;

import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.LocalCodec;
import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.http.HttpVerticle;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.metrics.TimedRedisReader;
import dev.redisproxy.resp.RespVerticle;
import dev.redisproxy.security.ConnectionGate;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The main verticle: registers the event-bus codecs, deploys the cache verticle exactly once,
 * then the front ends {@code MAX_PARALLEL} times each. {@link #drain()} undoes it in the
 * opposite order, so requests in flight still find the cache while the front ends finish them.
 */
public final class ProxyVerticle extends VerticleBase {

  private final ProxyConfig config;
  private final Function<Vertx, RedisReader> readerFactory;
  private final Ticker ticker;
  private final PrometheusMeterRegistry registry;
  private final List<String> frontEnds = new ArrayList<>();
  private String cacheDeployment;
  // Held for the proxy's lifetime: its meters read from it (Micrometer holds it only weakly).
  private ProxyMetrics metrics;

  /** A proxy with a registry of its own (tests); {@code Main} passes the one Vert.x reports into. */
  public ProxyVerticle(ProxyConfig config, Function<Vertx, RedisReader> readerFactory, Ticker ticker) {
    this(config, readerFactory, ticker, ProxyMetrics.newRegistry());
  }

  public ProxyVerticle(ProxyConfig config, Function<Vertx, RedisReader> readerFactory, Ticker ticker,
      PrometheusMeterRegistry registry) {
    this.config = config;
    this.readerFactory = readerFactory;
    this.ticker = ticker;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    LocalCodec.registerAll(vertx);
    ConnectionGate gate = new ConnectionGate(config.maxConnections());
    ProxyMetrics metrics = new ProxyMetrics(registry, gate);
    this.metrics = metrics;
    Function<Vertx, RedisReader> timedReader =
        v -> new TimedRedisReader(readerFactory.apply(v), metrics.redisRead(), ticker);
    DeploymentOptions parallel = new DeploymentOptions().setInstances(config.maxParallel());
    return vertx.deployVerticle(new CacheVerticle(config, timedReader, ticker))
        .compose(id -> {
          cacheDeployment = id;
          return vertx.deployVerticle(() -> new HttpVerticle(config, gate, metrics), parallel);
        })
        .onSuccess(frontEnds::add)
        .compose(id -> config.respPort() == 0
            ? Future.succeededFuture()
            : vertx.deployVerticle(() -> new RespVerticle(config, gate, metrics), parallel).onSuccess(frontEnds::add));
  }

  /**
   * Stops the front ends (they stop accepting, then finish requests in flight), then the cache
   * verticle (which closes the Redis connections). Safe to call more than once.
   */
  public Future<Void> drain() {
    List<Future<Void>> stopping = new ArrayList<>();
    for (String id : frontEnds) {
      stopping.add(vertx.undeploy(id));
    }
    frontEnds.clear();
    return Future.join(stopping)
        .transform(ar -> {
          String cache = cacheDeployment;
          cacheDeployment = null;
          return cache == null ? Future.<Void>succeededFuture() : vertx.undeploy(cache);
        });
  }
}
