package dev.redisproxy.http;

import dev.redisproxy.cache.CacheClient;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Heartbeat;
import dev.redisproxy.cache.Key;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.security.AuthFailures;
import dev.redisproxy.security.ConnectionGate;
import dev.redisproxy.security.KeyPatterns;
import dev.redisproxy.security.ServerTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
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
 * event-loop turn), and {@link Responses} turns the answer into the response.
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
  private static final CharSequence ALLOW_VALUE = HttpHeaders.createOptimized("GET, HEAD");
  private static final CharSequence WWW_AUTHENTICATE = HttpHeaders.createOptimized("WWW-Authenticate");
  /** Where health probes go: answered even on a connection past MAX_CONNECTIONS (see handleRequest). */
  private static final String HEALTH_PREFIX = "/health/";

  private final ProxyConfig config;
  private final ConnectionGate gate;
  private final ProxyMetrics metrics;
  // What the requests are answered with, counted by status.
  private Responses responses;
  // The bytes of values held for slow clients; a lookup waits for room in it.
  private ResponseBudget budget;
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
    responses = new Responses(metrics);
    budget = ResponseBudget.forInstance(Runtime.getRuntime().maxMemory(), config.maxParallel());
    budget.publishTo(metrics.heldBytes("http", budget.max()));
    ops = OpsRoutes.create(vertx, config, metrics, ctx -> responses.text(ctx.request(), 404, "not found"));
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
        // No WebSockets here: with either compression on, every connection's pipeline carries a
        // WebSocket extension handler that each request and response passes through.
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
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
        responses.text(req, 400, "missing key");
      } else {
        ops.handle(req);
      }
      return;
    }
    HttpMethod method = req.method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      req.response().putHeader(HttpHeaders.ALLOW, ALLOW_VALUE);
      responses.text(req, 405, "method not allowed");
      return;
    }
    byte[] key = KeyPath.decodeBytes(path, PREFIX.length());
    if (key == null) {
      responses.text(req, 400, "empty key or bad percent-encoding");
      return;
    }
    if (keyPatterns != null && !keyPatterns.allows(key)) {
      responses.text(req, 403, "key not allowed");
      return;
    }
    if (budget.mayStart()) {
      lookUp(req, Key.wrap(key));
    } else {
      budget.await(() -> lookUp(req, Key.wrap(key)));
    }
  }

  /** Looks the key up and answers; the budget counts the body until the client has taken it. */
  private void lookUp(HttpServerRequest req, Key key) {
    if (req.response().closed()) {
      return;
    }
    long reservation = budget.reserve();
    cache.lookup(key, reply ->
        budget.answered(reservation, Responses.bodyBytes(req, reply), responses.lookup(req, reply)));
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
      responses.text(req, 401, "invalid credentials").onComplete(ar -> conn.close());
    } else {
      responses.text(req, 401, verdict == HttpAuth.Verdict.MISSING ? "authentication required" : "invalid credentials");
    }
    return false;
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
    responses.unavailable(req, "max number of clients reached").onComplete(ar -> conn.close());
  }

}
