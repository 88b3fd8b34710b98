package dev.redisproxy.e2e;

import dev.redisproxy.testing.RawHttp;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.redisproxy.testing.RedisProcess;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
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
 */
public final class ProxyStack implements AutoCloseable {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  private final String redisHost;
  private final int redisPort;
  private final RedisProcess redis;
  private final ProxyProcess proxy;
  private final ProxyClient http;
  // The proxy's RESP port, 0 when off; local stacks turn RESP off unless a test sets RESP_PORT.
  private final int respPort;

  private ProxyStack(String proxyHost, int proxyPort, int respPort, String redisHost, int redisPort,
                     RedisProcess redis, ProxyProcess proxy) {
    this.http = new ProxyClient(proxyHost, proxyPort);
    this.respPort = respPort;
    this.redisHost = redisHost;
    this.redisPort = redisPort;
    this.redis = redis;
    this.proxy = proxy;
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
    if (proxy != null) {
      proxy.close();
    }
    if (redis != null) {
      redis.close();
    }
  }
}
