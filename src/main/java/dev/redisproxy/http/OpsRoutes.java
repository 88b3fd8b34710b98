package dev.redisproxy.http;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.security.KeyPatterns;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Locale;

/**
 * The operator's endpoints, on a vertx-web {@link Router} that sees only the requests that
 * {@link HttpVerticle}'s fast {@code /get/} dispatch did not take:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text, with the cache's figures fetched just before;
 *   <li>{@code GET /health/live}: 200 while every event loop that serves clients answers ({@link Liveness}), else 503;
 *   <li>{@code GET /health/ready}: 200 when Redis answers PING within {@code REDIS_TIMEOUT}, else 503;
 *   <li>{@code DELETE /cache}, {@code DELETE /cache/<key>}: drop cached entries (204); Redis is not touched.
 *       A key outside {@code KEY_PATTERNS} is refused (403), as for GET.
 *   <li>{@code GET /}, {@code GET /status.json}, {@code GET /hotkeys}: the status page and its figures ({@link StatusPage}).
 * </ul>
 * Anything else gets the front end's 404. Everything here asks the cache verticle over the
 * event bus, with a timeout, so nothing blocks and nothing waits forever.
 */
final class OpsRoutes {

  static final String CACHE = "/cache";
  static final String CACHE_PREFIX = CACHE + "/";
  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";

  private final Vertx vertx;
  private final ProxyMetrics metrics;
  // KEY_PATTERNS, which DELETE /cache/<key> obeys as GET does; null when every key is allowed.
  private final KeyPatterns keyPatterns;
  // With client authentication on, readiness (which stays open) does not tell strangers Redis's error text.
  private final boolean readinessDetail;
  // Slightly longer than REDIS_TIMEOUT, by which the cache verticle answers a PING itself.
  private final DeliveryOptions toCache;

  private OpsRoutes(Vertx vertx, ProxyConfig config, ProxyMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.keyPatterns = config.security().keyPatterns();
    this.readinessDetail = !config.security().authRequired();
    this.toCache = new DeliveryOptions().setSendTimeout(config.redisTimeout().toMillis() + CacheVerticle.ANSWER_SLACK_MS / 2);
  }

  /** The router; {@code notFound} answers what matches no route. */
  static Router create(Vertx vertx, ProxyConfig config, ProxyMetrics metrics, Handler<RoutingContext> notFound) {
    OpsRoutes ops = new OpsRoutes(vertx, config, metrics);
    // Longer than the event-bus timeout: a Redis that does not answer is a 503 (DOWN), not a 500.
    long probeTimeoutMs = config.redisTimeout().toMillis() + CacheVerticle.ANSWER_SLACK_MS;
    Liveness liveness = new Liveness(vertx, config);
    HealthChecks live = HealthChecks.create(vertx)
        .register("event-loops", Liveness.BOUND_MS + CacheVerticle.ANSWER_SLACK_MS, liveness::check);
    HealthChecks ready = HealthChecks.create(vertx).register("redis", probeTimeoutMs, ops::pingRedis);
    Router router = Router.router(vertx);
    router.get("/metrics").handler(ops::refreshCacheStats)
        .handler(PrometheusScrapingHandler.create(metrics.registry()));
    router.get(LIVE).handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get(READY).handler(HealthCheckHandler.createWithHealthChecks(ready));
    router.delete(CACHE).handler(ops::handleInvalidateAll);
    router.delete(CACHE_PREFIX + "*").handler(ops::handleInvalidateKey);
    StatusPage.route(router, vertx, config, metrics, ops.toCache);
    router.errorHandler(404, notFound);
    return router;
  }

  private void refreshCacheStats(RoutingContext ctx) {
    // Without an answer the scrape still goes out, with the figures of the previous one.
    vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null, toCache).onComplete(msg -> {
      metrics.update(msg.body());
      ctx.next();
    }, err -> ctx.next());
  }

  private void pingRedis(Promise<Status> result) {
    vertx.eventBus().request(CacheVerticle.PING, null, toCache).onComplete(
        ok -> result.complete(Status.OK()),
        err -> {
          JsonObject data = new JsonObject().put("failure", Failure.of(err).name().toLowerCase(Locale.ROOT));
          if (readinessDetail) {
            data.put("error", err.getMessage());
          }
          result.complete(Status.KO(data));
        });
  }

  private void handleInvalidateAll(RoutingContext ctx) {
    // The router also matches "/cache/" here; that is a key left empty (DELETE /cache/$KEY), not "all".
    if (!ctx.request().path().equals(CACHE)) {
      handleInvalidateKey(ctx);
      return;
    }
    invalidate(ctx, CacheVerticle.INVALIDATE_ALL, null);
  }

  private void handleInvalidateKey(RoutingContext ctx) {
    byte[] key = KeyPath.decodeBytes(ctx.request().path(), CACHE_PREFIX.length());
    if (key == null) {
      ctx.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("empty key or bad percent-encoding\n");
      return;
    }
    if (keyPatterns != null && !keyPatterns.allows(key)) {
      ctx.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("key not allowed\n");
      return;
    }
    invalidate(ctx, CacheVerticle.INVALIDATE, Key.wrap(key));
  }

  private void invalidate(RoutingContext ctx, String address, Key key) {
    vertx.eventBus().request(address, key, toCache).onComplete(
        dropped -> ctx.response().setStatusCode(204).end(),
        err -> ctx.response().setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
            .end("cache unavailable: " + err.getMessage() + "\n"));
  }
}
