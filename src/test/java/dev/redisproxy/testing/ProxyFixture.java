package dev.redisproxy.testing;

import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.MeteredVertx;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.redis.RedisReaders;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The in-process test layer's one fixture: a {@code redis-server} process (or a fake reader), a
 * Vert.x whose blocked-thread warning fails the test, and the whole proxy deployed as {@code Main}
 * deploys it, configured from a settings map of environment variables through {@link ConfigLoader}.
 *
 * <p>As a JUnit 5 extension: an instance field starts and closes everything around each test, a
 * static field around the class.
 *
 * <pre>{@code
 * @RegisterExtension
 * final ProxyFixture proxy = ProxyFixture.withRedis().with("REDIS_TIMEOUT", "5s");
 *
 * @Test
 * void hit() throws Exception {
 *   proxy.redis().set("k", "v");
 *   assertThat(proxy.get("/get/k").statusCode()).isEqualTo(200);
 * }
 * }</pre>
 *
 * <p>A test that needs its own settings makes the fixture {@link #deferred} and calls
 * {@link #start(Map)} first; Redis and Vert.x are already up. Without JUnit (a helper that
 * returns it), {@link #start()} and {@link #close()} do the same by hand; {@code close} then fails
 * on a blocked thread. The settings under the test's: a free {@code PROXY_PORT},
 * {@code RESP_PORT=0} (a free port with {@link #withResp}), {@code MAX_PARALLEL=2} (connections land
 * on two event loops), {@code REDIS_URL} of the Redis process.
 *
 * <p>Redis: {@link #withRedis} (a process per fixture), {@link #withReader} (a fake reader and
 * clock, no process), {@link #withoutRedis} (the settings name a deployment the test runs itself).
 * Blocked threads ({@link BlockedThreads}) count from the moment the proxy has started until the
 * test ends, not during start-up and shutdown, which are Vert.x's own one-off work. A test that
 * blocks an event loop on purpose calls {@link #forgetBlockedThreads} once it has let it go.
 *
 * <p>Clients: {@link #get}/{@link #send} over {@link HttpClient}, {@link #connect()} for exact
 * bytes ({@link RawHttp}), {@link RawConnection#plain} on {@link #respPort()} for RESP.
 */
public final class ProxyFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
    AfterEachCallback, AutoCloseable {

  /** A guard against a proxy that hangs starting or stopping, not a timing assertion. */
  private static final long START_STOP_TIMEOUT_S = 30;
  /** A guard against a request that hangs, not a timing assertion. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final String HOST = "127.0.0.1";

  private final boolean realRedis;
  // Null: the reader the configuration asks for (RedisReaders), as in production.
  private final Function<Vertx, RedisReader> reader;
  private final Ticker ticker;
  // The test's settings, over the defaults that start() puts under them.
  private final Map<String, String> settings = new HashMap<>();
  // Written to the Redis process as soon as it runs, before the proxy starts.
  private final Map<String, String> keys = new HashMap<>();
  private boolean metered;
  private boolean resp;
  private boolean deferred;
  private boolean classScoped;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RedisProcess redis;
  private Vertx vertx;
  private BlockedThreads blocked;
  private PrometheusMeterRegistry registry;
  private ProxyConfig config;
  private ProxyVerticle proxy;

  private ProxyFixture(boolean realRedis, Function<Vertx, RedisReader> reader, Ticker ticker) {
    this.realRedis = realRedis;
    this.reader = reader;
    this.ticker = ticker;
  }

  /** A fresh {@code redis-server} process, read through the reader the configuration asks for. */
  public static ProxyFixture withRedis() {
    return new ProxyFixture(true, null, Ticker.system());
  }

  /** No Redis process of the fixture's own: the settings name the Redis deployment the test runs. */
  public static ProxyFixture withoutRedis() {
    return new ProxyFixture(false, null, Ticker.system());
  }

  /** No Redis process: the proxy reads through {@code reader} (a fake) and keeps time with {@code ticker}. */
  public static ProxyFixture withReader(RedisReader reader, Ticker ticker) {
    return new ProxyFixture(false, v -> reader, ticker);
  }

  /** One setting (an environment variable), over the fixture's defaults. */
  public ProxyFixture with(String name, String value) {
    settings.put(name, value);
    return this;
  }

  /** Settings (environment variables), over the fixture's defaults. */
  public ProxyFixture with(Map<String, String> more) {
    settings.putAll(more);
    return this;
  }

  /** Keys and values (UTF-8) in the Redis process of {@link #withRedis} before the proxy starts. */
  public ProxyFixture withKeys(Map<String, String> more) {
    keys.putAll(more);
    return this;
  }

  /** The RESP front end on a free port too. */
  public ProxyFixture withResp() {
    resp = true;
    return this;
  }

  /** Vert.x built as {@code Main} builds it, Micrometer metrics on ({@code jvm_*}, {@code vertx_*}). */
  public ProxyFixture metered() {
    metered = true;
    return this;
  }

  /** Redis and Vert.x start before the test; the proxy only when the test calls {@link #start(Map)}. */
  public ProxyFixture deferred() {
    deferred = true;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    classScoped = true;
    open();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!classScoped) {
      open();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (classScoped) {
      blocked.assertNone();
    } else {
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  private void open() throws Exception {
    if (realRedis) {
      redis = RedisProcess.start();
      keys.forEach(redis::set);
    }
    registry = ProxyMetrics.newRegistry();
    VertxOptions options = BlockedThreads.options();
    vertx = metered ? MeteredVertx.create(options, registry) : Vertx.vertx(options);
    blocked = BlockedThreads.watch(vertx);
    if (!deferred) {
      start(Map.of());
    }
  }

  /** Starts everything by hand (outside JUnit's callbacks); {@link #close} stops it. */
  public ProxyFixture start() throws Exception {
    deferred = true;
    try {
      open();
      return start(Map.of());
    } catch (Exception | Error e) {
      try {
        close();
      } catch (Exception | Error closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** Deploys the proxy with {@code overrides} over the fixture's settings. */
  public ProxyFixture start(Map<String, String> overrides) throws IOException {
    if (proxy != null) {
      throw new IllegalStateException("the proxy is already started");
    }
    Map<String, String> env = new HashMap<>();
    env.put("MAX_PARALLEL", "2");
    int httpPort = RedisProcess.freePort();
    int respPort = 0;
    while (resp && (respPort == 0 || respPort == httpPort)) {
      respPort = RedisProcess.freePort(); // two draws can give the same free port
    }
    env.put("PROXY_PORT", Integer.toString(httpPort));
    env.put("RESP_PORT", Integer.toString(respPort));
    if (realRedis) {
      env.put("REDIS_URL", redis.url());
    }
    env.putAll(settings);
    env.putAll(overrides);
    ProxyConfig loaded = ConfigLoader.load(null, env);
    Function<Vertx, RedisReader> readers = reader != null ? reader : v -> RedisReaders.create(v, loaded);
    ProxyVerticle verticle = new ProxyVerticle(loaded, readers, ticker, registry);
    try {
      vertx.deployVerticle(verticle).await(START_STOP_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("proxy did not start", e);
    }
    blocked.forgetUntilNow();
    config = loaded;
    proxy = verticle;
    return this;
  }

  /** Stops the proxy (drain, as on SIGTERM), Vert.x and Redis; then fails if a thread was blocked before. */
  @Override
  public void close() throws Exception {
    AssertionError blockedDuringTest = null;
    try {
      if (blocked != null) {
        blocked.assertNone();
      }
    } catch (AssertionError e) {
      blockedDuringTest = e; // thrown once everything is closed
    }
    try {
      if (proxy != null) {
        proxy.drain().await(START_STOP_TIMEOUT_S, TimeUnit.SECONDS);
      }
      if (vertx != null) {
        vertx.close().await(START_STOP_TIMEOUT_S, TimeUnit.SECONDS);
      }
    } finally {
      proxy = null;
      vertx = null;
      if (redis != null) {
        redis.close();
        redis = null;
      }
    }
    if (blockedDuringTest != null) {
      throw blockedDuringTest;
    }
  }

  /** Forgets the blocks of every event-loop task begun so far: for a test that blocked one on purpose. */
  public void forgetBlockedThreads() {
    blocked.forgetUntilNow();
  }

  /** The Redis process of {@link #withRedis}. */
  public RedisProcess redis() {
    if (redis == null) {
      throw new IllegalStateException("no Redis process of the fixture's own");
    }
    return redis;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The deployed proxy, for {@link ProxyVerticle#drain}. */
  public ProxyVerticle proxy() {
    return proxy;
  }

  public ProxyConfig config() {
    return config;
  }

  public int httpPort() {
    return config.proxyPort();
  }

  /** The RESP port; 0 unless {@link #withResp} or {@code RESP_PORT} was set. */
  public int respPort() {
    return config.respPort();
  }

  /** The proxy's metrics now, as Prometheus would scrape them. */
  public PrometheusText metrics() {
    return PrometheusText.parse(registry.scrape());
  }

  /** {@code GET path} ({@code path} sent as given, so it must be a valid URI path). */
  public HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return send("GET", path);
  }

  public HttpResponse<byte[]> send(String method, String path) throws IOException, InterruptedException {
    return send(method, path, HttpResponse.BodyHandlers.ofByteArray());
  }

  public <T> HttpResponse<T> send(String method, String path, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException {
    return http.send(request(method, path), body);
  }

  public CompletableFuture<HttpResponse<byte[]>> sendAsync(String method, String path) {
    return http.sendAsync(request(method, path), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest request(String method, String path) {
    return HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(REQUEST_TIMEOUT).build();
  }

  /** A response body as UTF-8 text. */
  public static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /** A new raw HTTP connection to the proxy, for exact bytes and paths {@link URI} refuses; the caller closes it. */
  public RawHttp connect() throws IOException {
    return RawHttp.connect(HOST, httpPort());
  }
}
