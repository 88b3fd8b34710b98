package dev.redisproxy.http;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.HotKeys;
import dev.redisproxy.cache.HotKeysSnapshot;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What a person reads at a glance: {@code GET /} (one self-contained HTML page, no external
 * scripts, styles or fonts, which polls {@code GET /status.json}), {@code GET /status.json} and
 * {@code GET /hotkeys[?limit=N][&by=reads|misses]}. Behind {@code PROXY_PASSWORD} like every
 * operator's endpoint but the health probes: {@link HttpVerticle} checks before routing, and the
 * page's same-origin fetch sends the credentials the browser already has.
 *
 * <p>Each answer asks the cache verticle for its counters and its {@link HotKeysSnapshot} over the
 * event bus, with the same timeout as {@code /metrics}; nothing is computed per lookup here.
 */
final class StatusPage {

  static final String PAGE = "/";
  static final String STATUS = "/status.json";
  static final String HOTKEYS = "/hotkeys";
  static final int DEFAULT_LIMIT = 20;
  /** Hot keys on the status page. */
  static final int PAGE_KEYS = 15;

  private static final String JSON = "application/json; charset=utf-8";
  // No other origin may be reached from the page, whatever a key name holds: it stays self-contained.
  private static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
      + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  // Bytes, wrapped anew per request: a Buffer shared by several event loops would share its read index.
  private static final byte[] HTML = load("status-page.html");

  private final Vertx vertx;
  private final DeliveryOptions toCache;
  private final StatusJson json;

  private StatusPage(Vertx vertx, ProxyConfig config, ProxyMetrics metrics, DeliveryOptions toCache) {
    this.vertx = vertx;
    this.toCache = toCache;
    this.json = new StatusJson(config, metrics);
  }

  /** Adds the three routes to the operator's router. */
  static void route(Router router, Vertx vertx, ProxyConfig config, ProxyMetrics metrics, DeliveryOptions toCache) {
    StatusPage page = new StatusPage(vertx, config, metrics, toCache);
    router.get(PAGE).handler(page::handlePage);
    router.get(STATUS).handler(page::handleStatus);
    router.get(HOTKEYS).handler(page::handleHotKeys);
  }

  private void handlePage(RoutingContext ctx) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .end(Buffer.buffer(HTML));
  }

  private void handleStatus(RoutingContext ctx) {
    Future<CacheStats> stats = vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null, toCache)
        .map(Message::body);
    Future.all(stats, hotKeys(PAGE_KEYS)).onComplete(
        all -> sendJson(ctx, json.status(stats.result(), all.resultAt(1))),
        err -> unavailable(ctx, err));
  }

  private void handleHotKeys(RoutingContext ctx) {
    List<String> limits = ctx.queryParam("limit");
    List<String> orders = ctx.queryParam("by");
    Integer limit = limits.isEmpty() ? Integer.valueOf(DEFAULT_LIMIT) : parseLimit(limits.get(0));
    String by = orders.isEmpty() ? "reads" : orders.get(0);
    if (limit == null || limits.size() > 1) {
      badRequest(ctx, "limit must be one whole number from 1 to " + HotKeys.MAX_REPORT);
      return;
    }
    if (!(by.equals("reads") || by.equals("misses")) || orders.size() > 1) {
      badRequest(ctx, "by must be reads or misses");
      return;
    }
    hotKeys(limit).onComplete(
        snap -> sendJson(ctx, StatusJson.hotKeys(snap, by.equals("misses") ? snap.byMisses() : snap.byReads())),
        err -> unavailable(ctx, err));
  }

  private Future<HotKeysSnapshot> hotKeys(int limit) {
    return vertx.eventBus().<HotKeysSnapshot>request(HotKeys.ADDRESS, limit, toCache).map(Message::body);
  }

  private static Integer parseLimit(String text) {
    if (text.isEmpty() || text.length() > 4 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    int n = Integer.parseInt(text);
    return n >= 1 && n <= HotKeys.MAX_REPORT ? n : null;
  }

  private static void sendJson(RoutingContext ctx, JsonObject body) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(body.toBuffer().appendString("\n"));
  }

  private static void badRequest(RoutingContext ctx, String message) {
    ctx.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(message + "\n");
  }

  private static void unavailable(RoutingContext ctx, Throwable err) {
    ctx.response().setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("cache unavailable: " + err.getMessage() + "\n");
  }

  private static byte[] load(String name) {
    try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to " + StatusPage.class.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
