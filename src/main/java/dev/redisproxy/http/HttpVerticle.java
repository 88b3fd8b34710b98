package dev.redisproxy.http;

import dev.redisproxy.cache.CacheClient;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Heartbeat;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupReply;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.security.AuthFailures;
import dev.redisproxy.security.ConnectionGate;
import dev.redisproxy.security.KeyPatterns;
import dev.redisproxy.security.ServerTls;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front end: {@code GET|HEAD /get/<key>}. Deployed {@code MAX_PARALLEL} times; the
 * instances share the listening port. It never touches the cache: each request's key goes to the
 * cache verticle through this instance's {@link CacheClient} (with the other lookups of the same
 * event-loop turn), and the {@link LookupReply} becomes the response.
 *
 * <p>{@code /get/} is dispatched by hand, the fast path; every other path goes to the
 * {@link OpsRoutes} router (metrics, health, cache administration). Requests other than the
 * operator's are counted by status in {@code redis_proxy_requests_total}.
 *
 * <p>With {@code PROXY_PASSWORD} set, every request but the two health probes must authenticate
 * ({@link HttpAuth}) before it is routed; with {@code KEY_PATTERNS} set, a key outside them is
 * refused with 403 before it reaches the cache. Both cost one field read per request when off.
 */
public final class HttpVerticle extends VerticleBase {

  static final String PREFIX = "/get/";
  /** How long a refused connection may stay open for its 503 to be sent. */
  static final long REFUSED_GRACE_MS = 2_000;
  /** How long shutdown waits for requests in flight. */
  static final long SHUTDOWN_GRACE_MS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private static final CharSequence OCTET_STREAM = HttpHeaders.createOptimized("application/octet-stream");
  private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
  private static final CharSequence HIT = HttpHeaders.createOptimized("HIT");
  private static final CharSequence MISS = HttpHeaders.createOptimized("MISS");
  private static final CharSequence STALE = HttpHeaders.createOptimized("STALE");
  /** RFC 9111 §5.1, on every response served from the cache: whole seconds since the value was read from Redis. */
  private static final CharSequence AGE = HttpHeaders.createOptimized("Age");
  // The Age values of the first minutes, made once, so that a hit allocates no header value.
  private static final CharSequence[] AGES = new CharSequence[600];

  static {
    for (int i = 0; i < AGES.length; i++) {
      AGES[i] = HttpHeaders.createOptimized(Integer.toString(i));
    }
  }
  private static final CharSequence ALLOW_VALUE = HttpHeaders.createOptimized("GET, HEAD");
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
  private static final CharSequence ONE_SECOND = HttpHeaders.createOptimized("1");
  private static final CharSequence WWW_AUTHENTICATE = HttpHeaders.createOptimized("WWW-Authenticate");
  /** Where health probes go: answered even on a connection past MAX_CONNECTIONS (see handleRequest). */
  private static final String HEALTH_PREFIX = "/health/";
  /** Every status this front end answers with; each gets its counter before the first request. */
  private static final int[] STATUSES = {200, 400, 401, 403, 404, 405, 502, 503};

  private final ProxyConfig config;
  private final ConnectionGate gate;
  private final ProxyMetrics metrics;
  // redis_proxy_requests_total{frontend="http"} by status code; null for codes not in STATUSES.
  private final Counter[] requestsByStatus = new Counter[600];
  // Connections over MAX_CONNECTIONS, on this instance's event loop only; usually empty.
  private final Set<HttpConnection> refused = new HashSet<>();
  // ACCESS_LOG: read once, so that with the log off a request pays one field read.
  private final boolean accessLog;
  // KEY_PATTERNS; null when every key may be read.
  private final KeyPatterns keyPatterns;
  // PROXY_PASSWORD's checker; null when clients need not authenticate.
  private HttpAuth auth;
  // CLIENT_IDLE_TIMEOUT for clients that send, but too slowly to finish a request (slowloris).
  private final RequestDeadlines deadlines;
  private CacheClient cache;
  private Router ops;
  private HttpServer server;

  public HttpVerticle(ProxyConfig config, ConnectionGate gate, ProxyMetrics metrics) {
    this.config = config;
    this.gate = gate;
    this.metrics = metrics;
    this.accessLog = config.accessLog();
    this.keyPatterns = config.security().keyPatterns();
    this.deadlines = new RequestDeadlines(config.clientIdleTimeout().toMillis());
  }

  @Override
  public Future<?> start() {
    for (int status : STATUSES) {
      requestsByStatus[status] = metrics.requests("http", Integer.toString(status));
    }
    ops = OpsRoutes.create(vertx, config, metrics, ctx -> sendText(ctx.request(), 404, "not found"));
    AuthFailures authFailures = new AuthFailures("http", metrics.authFailures("http"));
    if (config.security().authRequired()) {
      auth = new HttpAuth(config.security().password(), authFailures);
    }
    HttpServerOptions options = new HttpServerOptions()
        .setPort(config.proxyPort())
        .setTcpNoDelay(true)
        // With h2c on, Vert.x waits for a connection's first bytes (to tell an HTTP/2 preface from
        // HTTP/1.x) before calling the connection handler, so a silent connection would escape
        // MAX_CONNECTIONS. The proxy speaks HTTP/1.1.
        .setHttp2ClearTextEnabled(false)
        .setReadIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.clientIdleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    server = vertx.createHttpServer(ServerTls.apply(options, config.security()))
        .connectionHandler(this::handleConnection)
        .requestHandler(this::handleRequest)
        .exceptionHandler(HttpVerticle::handleConnectionFailure);
    vertx.setPeriodic(RequestDeadlines.sweepEveryMs(config.clientIdleTimeout().toMillis()), id -> deadlines.sweep());
    return Heartbeat.answer(vertx, "http")
        .compose(v -> CacheClient.open(vertx, config.redisTimeout().toMillis() + CacheVerticle.ANSWER_SLACK_MS))
        .compose(client -> {
          cache = client;
          return server.listen();
        });
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(SHUTDOWN_GRACE_MS, TimeUnit.MILLISECONDS).eventually(() -> cache.close());
  }

  private void handleConnection(HttpConnection conn) {
    conn.exceptionHandler(HttpVerticle::handleConnectionFailure);
    if (gate.tryAcquire()) {
      deadlines.opened(conn);
      conn.closeHandler(v -> {
        gate.release();
        deadlines.closed(conn);
        if (auth != null) {
          auth.forget(conn);
        }
      });
      return;
    }
    refused.add(conn);
    conn.closeHandler(v -> refused.remove(conn));
    vertx.setTimer(REFUSED_GRACE_MS, id -> conn.close());
  }

  /** A connection's failure (a reset, a TLS handshake) is its own; out of memory is thrown on, to end the process. */
  private static void handleConnectionFailure(Throwable err) {
    if (err instanceof VirtualMachineError fatal) {
      throw fatal;
    }
    LOG.debug("HTTP connection: {}", err.toString());
  }

  private void handleRequest(HttpServerRequest req) {
    if (accessLog) {
      AccessLog.track(req);
    }
    deadlines.requested(req);
    String path = req.path();
    if (!refused.isEmpty() && refused.contains(req.connection())) {
      handleRefused(req, path);
      return;
    }
    if (auth != null && !admitted(req, path)) {
      return;
    }
    if (!path.startsWith(PREFIX)) {
      if (path.equals("/get")) {
        sendText(req, 400, "missing key");
      } else {
        ops.handle(req);
      }
      return;
    }
    HttpMethod method = req.method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      req.response().putHeader(HttpHeaders.ALLOW, ALLOW_VALUE);
      sendText(req, 405, "method not allowed");
      return;
    }
    byte[] key = KeyPath.decodeBytes(path, PREFIX.length());
    if (key == null) {
      sendText(req, 400, "empty key or bad percent-encoding");
      return;
    }
    if (keyPatterns != null && !keyPatterns.allows(key)) {
      sendText(req, 403, "key not allowed");
      return;
    }
    cache.lookup(Key.wrap(key), reply -> respond(req, reply));
  }

  private void respond(HttpServerRequest req, LookupReply reply) {
    if (reply.isFailed()) {
      sendFailure(req, reply.failure(), reply.message());
    } else {
      sendReply(req, reply);
    }
  }

  /**
   * True if the request may go on: a health probe (exactly {@code /health/live} or
   * {@code /health/ready}, which stay open for load balancers and orchestrators), or one with the
   * right password. Otherwise it has been answered 401 with the accepted schemes; after too many
   * wrong passwords its connection is closed.
   */
  private boolean admitted(HttpServerRequest req, String path) {
    if (path.equals(OpsRoutes.LIVE) || path.equals(OpsRoutes.READY)) {
      return true;
    }
    HttpAuth.Verdict verdict = auth.check(req);
    if (verdict == HttpAuth.Verdict.ALLOWED) {
      return true;
    }
    req.response().putHeader(WWW_AUTHENTICATE, HttpAuth.CHALLENGES);
    if (verdict == HttpAuth.Verdict.WRONG_AND_CLOSE) {
      HttpConnection conn = req.connection();
      req.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      sendText(req, 401, "invalid credentials").onComplete(ar -> conn.close());
    } else {
      sendText(req, 401, verdict == HttpAuth.Verdict.MISSING ? "authentication required" : "invalid credentials");
    }
    return false;
  }

  private void sendReply(HttpServerRequest req, LookupReply reply) {
    if (reply.value() == null) {
      sendText(req, 404, "not found");
      return;
    }
    HttpServerResponse res = req.response();
    countRequest(200);
    if (res.closed()) {
      return;
    }
    res.putHeader(HttpHeaders.CONTENT_TYPE, OCTET_STREAM);
    switch (reply.outcome()) {
      case HIT -> res.putHeader(X_CACHE, HIT).putHeader(AGE, age(reply.age()));
      case STALE -> res.putHeader(X_CACHE, STALE).putHeader(AGE, age(reply.age()));
      default -> res.putHeader(X_CACHE, MISS);
    }
    if (req.method() == HttpMethod.HEAD) {
      res.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(reply.value().length())).end();
    } else {
      res.end(reply.value());
    }
  }

  private static CharSequence age(int seconds) {
    return seconds < AGES.length ? AGES[seconds] : Integer.toString(seconds);
  }

  private void sendFailure(HttpServerRequest req, Failure failure, String message) {
    if (failure == Failure.REDIS_ERROR) {
      sendText(req, 502, "Redis error: " + message);
      return;
    }
    if (failure == Failure.TOO_LARGE) {
      sendText(req, 502, message);
      return;
    }
    req.response().putHeader(RETRY_AFTER, ONE_SECOND);
    sendText(req, 503, failure == Failure.TIMEOUT ? "Redis timed out" : "Redis unavailable: " + message);
  }

  /**
   * A request on a connection past {@code MAX_CONNECTIONS}: 503 and close. Health probes are
   * answered all the same, so a busy proxy is not reported dead and restarted; their connection
   * is closed by the client or by the timer set in {@link #handleConnection}.
   */
  private void handleRefused(HttpServerRequest req, String path) {
    req.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    if (path.startsWith(HEALTH_PREFIX)) {
      ops.handle(req);
      return;
    }
    HttpConnection conn = req.connection();
    req.response().putHeader(RETRY_AFTER, ONE_SECOND);
    sendText(req, 503, "max number of clients reached").onComplete(ar -> conn.close());
  }

  private void countRequest(int status) {
    Counter counter = requestsByStatus[status];
    if (counter != null) {
      counter.increment();
    }
  }

  private Future<Void> sendText(HttpServerRequest req, int status, String text) {
    countRequest(status);
    HttpServerResponse res = req.response();
    if (res.closed()) {
      return Future.succeededFuture();
    }
    res.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN);
    if (req.method() == HttpMethod.HEAD) {
      return res.end();
    }
    return res.end(text + "\n");
  }
}
