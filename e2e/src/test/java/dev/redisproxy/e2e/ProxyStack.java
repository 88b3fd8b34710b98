package dev.redisproxy.e2e;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.redisproxy.testing.RawHttp;
import dev.redisproxy.testing.RedisProcess;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import redis.clients.jedis.Jedis;

/**
 * A Redis and a proxy in front of it: what a system test talks to.
 *
 * <p>Two modes. By default ({@link #startLocal}, {@link #startOrExternal}) the stack is made of
 * processes on this machine: a fresh {@code redis-server} on a free port and the proxy jar
 * configured through environment variables. When {@code E2E_PROXY_URL} is set (with
 * {@code E2E_REDIS_HOST} and {@code E2E_REDIS_PORT} naming the Redis behind it, and
 * {@code E2E_RESP_PORT} the proxy's RESP port if it has one) the tests talk to
 * that externally started deployment instead, for instance one started by docker compose: tests
 * that only need a proxy with roughly default settings call {@link #startOrExternal} and run
 * there too; tests that must choose settings or control the processes call {@link #startLocal}
 * and are skipped.
 *
 * <p>Keys are namespaced per test run ({@link #key}), so tests never see each other's data or a
 * value an external proxy cached in an earlier run.
 *
 * <p>The system-test layer's fixture, as a JUnit 5 extension on a static field: started before the
 * class's tests, closed after them (the in-process layer's is {@code testing.ProxyFixture}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ProxyStack stack = ProxyStack.local(Map.of("CACHE_TTL", "1s"));
 * }</pre>
 *
 * <p>A test that needs a stack of its own calls {@link #startLocal} in a try-with-resources.
 */
public final class ProxyStack implements AutoCloseable, BeforeAllCallback, AfterAllCallback, TestWatcher {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  /** A setting's value that {@link #startLocal} replaces with a free port ({@code "RESP_PORT", FREE_PORT}). */
  public static final String FREE_PORT = "<free port>";

  // What the extension starts in beforeAll; null for a stack started at once.
  private final Map<String, String> settings;
  private final boolean orExternal;

  private String redisHost;
  private int redisPort;
  private RedisProcess redis;
  private ProxyProcess proxy;
  private ProxyClient http;
  // The proxy's RESP port, 0 when off; local stacks turn RESP off unless a test sets RESP_PORT.
  private int respPort;

  private ProxyStack(Map<String, String> settings, boolean orExternal) {
    this.settings = settings;
    this.orExternal = orExternal;
  }

  private ProxyStack(String proxyHost, int proxyPort, int respPort, String redisHost, int redisPort,
                     RedisProcess redis, ProxyProcess proxy) {
    this(null, false);
    this.http = new ProxyClient(proxyHost, proxyPort);
    this.respPort = respPort;
    this.redisHost = redisHost;
    this.redisPort = redisPort;
    this.redis = redis;
    this.proxy = proxy;
  }

  /** A stack {@link #startLocal started} before the class's tests and closed after them. */
  public static ProxyStack local(Map<String, String> settings) {
    return new ProxyStack(Map.copyOf(settings), false);
  }

  /** The stack of {@link #startOrExternal}, started before the class's tests and closed after them. */
  public static ProxyStack localOrExternal(Map<String, String> settings) {
    return new ProxyStack(Map.copyOf(settings), true);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    ProxyStack started = orExternal ? startOrExternal(settings) : startLocal(settings);
    http = started.http;
    respPort = started.respPort;
    redisHost = started.redisHost;
    redisPort = started.redisPort;
    redis = started.redis;
    proxy = started.proxy;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  /** A failed test's report gets the end of the proxy's output: what it logged is most of the story. */
  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (proxy != null) {
      String out = proxy.output();
      System.err.printf("%s failed; the proxy's output, last 8000 characters:%n%s%n", context.getDisplayName(),
          out.substring(Math.max(0, out.length() - 8000)));
    }
  }

  /** True when the tests run against an externally started proxy ({@code E2E_PROXY_URL}). */
  public static boolean external() {
    String url = System.getenv("E2E_PROXY_URL");
    return url != null && !url.isBlank();
  }

  /**
   * The external deployment if there is one; else a local one with these settings. The
   * settings are preferences: a test using this must pass against a proxy with default settings.
   */
  public static ProxyStack startOrExternal(Map<String, String> settings) throws IOException, InterruptedException {
    if (!external()) {
      return startLocal(settings);
    }
    URI url = URI.create(System.getenv("E2E_PROXY_URL"));
    int port = url.getPort() != -1 ? url.getPort() : 80;
    String redisHost = System.getenv().getOrDefault("E2E_REDIS_HOST", "localhost");
    int redisPort = Integer.parseInt(System.getenv().getOrDefault("E2E_REDIS_PORT", "6379"));
    int respPort = Integer.parseInt(System.getenv().getOrDefault("E2E_RESP_PORT", "0"));
    return new ProxyStack(url.getHost(), port, respPort, redisHost, redisPort, null, null);
  }

  /**
   * A new {@code redis-server} and a proxy in front of it, configured with these settings on top
   * of what the stack itself sets (REDIS_HOST, REDIS_PORT, a free PROXY_PORT, and RESP_PORT=0). The
   * calling test is skipped when the tests run against an external deployment.
   */
  public static ProxyStack startLocal(Map<String, String> settings) throws IOException, InterruptedException {
    assumeFalse(external(), "needs to configure and control its own proxy and Redis processes");
    RedisProcess redis = RedisProcess.start();
    try {
      Map<String, String> env = new HashMap<>();
      env.put("REDIS_HOST", "127.0.0.1");
      env.put("REDIS_PORT", Integer.toString(redis.port()));
      env.put("PROXY_PORT", Integer.toString(RedisProcess.freePort()));
      env.put("RESP_PORT", "0");
      env.putAll(settings);
      // Free ports drawn one after another can be the same one: each setting gets one of its own.
      Set<String> taken = new HashSet<>(List.of(env.get("PROXY_PORT")));
      for (Map.Entry<String, String> e : env.entrySet()) {
        if (FREE_PORT.equals(e.getValue())) {
          String port;
          do {
            port = Integer.toString(RedisProcess.freePort());
          } while (!taken.add(port));
          e.setValue(port);
        }
      }
      int port = Integer.parseInt(env.get("PROXY_PORT"));
      ProxyProcess proxy = ProxyProcess.start(port, env);
      try {
        proxy.awaitListening();
      } catch (AssertionError | InterruptedException e) {
        proxy.close();
        throw e;
      }
      return new ProxyStack("127.0.0.1", port, Integer.parseInt(env.get("RESP_PORT")),
          "127.0.0.1", redis.port(), redis, proxy);
    } catch (IOException | RuntimeException | Error | InterruptedException e) {
      redis.close();
      throw e;
    }
  }

  public boolean local() {
    return proxy != null;
  }

  /** The Redis process; only for a local stack. */
  public RedisProcess redisProcess() {
    requireLocal();
    return redis;
  }

  /** The proxy process; only for a local stack. */
  public ProxyProcess proxyProcess() {
    requireLocal();
    return proxy;
  }

  private void requireLocal() {
    if (!local()) {
      throw new IllegalStateException("not a local stack: start it with startLocal");
    }
  }

  /** A key unique to this test run: {@code e2e:<run>:<name>}. */
  public String key(String name) {
    return "e2e:" + RUN + ":" + name;
  }

  /** A new client straight to Redis, bypassing the proxy; the caller closes it. */
  public Jedis redis() {
    return new Jedis(redisHost, redisPort, (int) ProxyClient.REQUEST_TIMEOUT.toMillis());
  }

  public void set(String key, String value) {
    try (Jedis jedis = redis()) {
      jedis.set(key, value);
    }
  }

  public void set(byte[] key, byte[] value) {
    try (Jedis jedis = redis()) {
      jedis.set(key, value);
    }
  }

  /** The proxy's RESP port on {@link #proxyHost()}, 0 when RESP is off ({@code E2E_RESP_PORT} when external). */
  public int respPort() {
    return respPort;
  }

  public String proxyHost() {
    return http.host();
  }

  /** The HTTP client for this stack's proxy. */
  public ProxyClient http() {
    return http;
  }

  /** {@code GET /get/<key>} through {@link #http()}. */
  public Reply get(String key) throws IOException, InterruptedException {
    return http.get(key);
  }

  /** {@code GET /get/<key>} for a binary key, through {@link #http()}. */
  public Reply get(byte[] key) throws IOException, InterruptedException {
    return http.get(key);
  }

  /** A new raw connection to the proxy's HTTP port; the caller closes it. */
  public RawHttp connect() throws IOException {
    return http.connect();
  }

  /** Stops the local proxy (SIGTERM) and Redis; nothing for an external stack. */
  @Override
  public void close() throws InterruptedException {
    try {
      if (proxy != null) {
        proxy.close();
      }
    } finally {
      proxy = null;
      if (redis != null) {
        redis.close();
        redis = null;
      }
    }
  }
}
