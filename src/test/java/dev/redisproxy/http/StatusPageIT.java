package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.LruTtlCache;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /hotkeys}, {@code GET /status.json} and {@code GET /}: exact fields, after known traffic, behind PROXY_PASSWORD. */
class StatusPageIT {

  private static final String SECRET = "st4tus-page-s3cret";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RedisProcess redis;
  private InProcessProxy proxy;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    proxy = InProcessProxy.start(Map.of("REDIS_URL", redis.url(), "PROXY_PASSWORD", SECRET,
        "CACHE_MAXSIZE", "500", "MAX_CONNECTIONS", "300"));
    redis.set("a", "value-never-shown");
    redis.set("b", "2");
    redis.set(new byte[] {(byte) 0xff, (byte) 0xfe, 'x'}, "3".getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
    redis.close();
  }

  @Test
  void hotKeysListsReadsHitsAndMissesMostReadFirst() throws Exception {
    traffic();
    assertThat(json("/hotkeys")).isEqualTo(new JsonObject().put("window_seconds", 60).put("keys", new JsonArray()
        .add(row("a", 5, 4, 1))
        .add(row("missing", 3, 0, 3))
        .add(row("b", 2, 1, 1))
        .add(row("\\xff\\xfex", 1, 0, 1))));
    assertThat(json("/hotkeys?by=misses").getJsonArray("keys")).isEqualTo(new JsonArray()
        .add(row("missing", 3, 0, 3))
        .add(row("a", 5, 4, 1))
        .add(row("b", 2, 1, 1))
        .add(row("\\xff\\xfex", 1, 0, 1)));
    assertThat(json("/hotkeys?limit=1&by=reads").getJsonArray("keys")).isEqualTo(new JsonArray().add(row("a", 5, 4, 1)));
    assertThat(json("/hotkeys?limit=1000").getJsonArray("keys")).hasSize(4);
    HttpResponse<String> res = get("/hotkeys", true);
    assertThat(res.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(res.body()).doesNotContain("value-never-shown");
  }

  @Test
  void badParametersAre400() throws Exception {
    for (String query : new String[] {"limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=", "limit=1.5",
        "limit=99999999999", "limit=1&limit=2", "by=hits", "by=", "by=reads&by=misses"}) {
      HttpResponse<String> res = get("/hotkeys?" + query, true);
      assertThat(res.statusCode()).as(query).isEqualTo(400);
    }
    assertThat(get("/hotkeys?limit=abc", true).body()).isEqualTo("limit must be one whole number from 1 to 1000\n");
    assertThat(get("/hotkeys?by=x", true).body()).isEqualTo("by must be reads or misses\n");
  }

  @Test
  void everyPageAndEndpointNeedsThePassword() throws Exception {
    for (String path : new String[] {"/", "/status.json", "/hotkeys"}) {
      assertThat(get(path, false).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, true).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void statusHasEveryFigureThePageShowsAndNoSecret() throws Exception {
    traffic();
    // The front ends report their lookups' latency about once a second.
    HttpResponse<String> res = awaitStatus(s -> s.getJsonObject("latency").getLong("lookups") == 11);
    assertThat(res.body()).doesNotContain(SECRET).doesNotContain("value-never-shown");
    JsonObject s = new JsonObject(res.body());
    assertThat(s.fieldNames()).containsExactlyInAnyOrder("uptime_seconds", "lookups", "latency", "cache", "redis", "tracking",
        "connections", "hotkeys", "config");
    JsonObject lookups = s.getJsonObject("lookups");
    assertThat(lookups.fieldNames()).containsExactly("hits", "misses", "hit_ratio", "per_second", "misses_per_second");
    assertThat(lookups.getLong("hits")).isEqualTo(5);
    assertThat(lookups.getLong("misses")).isEqualTo(6);
    assertThat(lookups.getDouble("hit_ratio")).isEqualTo(5.0 / 11);
    assertThat(lookups.getJsonArray("per_second")).hasSize(300);
    assertThat(lookups.getJsonArray("misses_per_second")).hasSize(300);
    JsonObject latency = s.getJsonObject("latency");
    assertThat(latency.fieldNames()).containsExactly("lookups", "p50_ms", "p99_ms");
    assertThat(latency.getDouble("p50_ms")).isPositive().isLessThanOrEqualTo(latency.getDouble("p99_ms"));
    // Each entry weighs its key, its value and the overhead: a + "value-never-shown", b + "2", \xff\xfex + "3".
    long bytes = (1 + 17) + (1 + 1) + (3 + 1) + 3L * LruTtlCache.ENTRY_OVERHEAD;
    assertThat(s.getJsonObject("cache")).isEqualTo(new JsonObject().put("keys", 3).put("max_keys", 500)
        .put("bytes", bytes).put("max_bytes", ConfigLoader.load(null, Map.of()).cacheMaxMemory())
        .put("evictions", 0).put("expirations", 0).put("invalidations", 0)
        .put("coalesced", 0).put("uncacheable", 0).put("stale_served", 0));
    JsonObject redisStatus = s.getJsonObject("redis");
    assertThat(redisStatus.fieldNames()).containsExactly("up", "address", "reads_last_minute", "read_p50_ms",
        "read_p99_ms", "in_flight", "errors", "timeouts", "unavailable", "rejected");
    assertThat(redisStatus.getBoolean("up")).isTrue();
    assertThat(redisStatus.getString("address")).isEqualTo(redis.url());
    assertThat(redisStatus.getLong("reads_last_minute")).isEqualTo(6);
    assertThat(redisStatus.getDouble("read_p50_ms")).isPositive().isLessThanOrEqualTo(redisStatus.getDouble("read_p99_ms"));
    assertThat(s.getJsonObject("tracking")).isEqualTo(new JsonObject().put("mode", "none").put("up", false)
        .put("invalidations", 0).put("flushes", 0).put("connection_losses", 0));
    JsonObject connections = s.getJsonObject("connections");
    assertThat(connections.fieldNames()).containsExactly("open", "max", "refused");
    assertThat(connections.getLong("open")).isPositive();
    assertThat(connections.getLong("max")).isEqualTo(300);
    JsonObject hot = s.getJsonObject("hotkeys");
    assertThat(hot.fieldNames()).containsExactly("window_seconds", "keys", "by_misses");
    assertThat(hot.getJsonArray("keys").getJsonObject(0)).isEqualTo(row("a", 5, 4, 1));
    assertThat(hot.getJsonArray("by_misses").getJsonObject(0)).isEqualTo(row("missing", 3, 0, 3));
    JsonObject config = s.getJsonObject("config");
    assertThat(config.getString("PROXY_PASSWORD")).isEqualTo("set");
    assertThat(config.getString("CACHE_MAXSIZE")).isEqualTo("500");
    assertThat(config.getString("MAX_CONNECTIONS")).isEqualTo("300");
  }

  @Test
  void theConfigurationShowsNoCredentialsOfRedisUrl() throws Exception {
    String redisSecret = "r3dis-url-s3cret";
    // An ACL user of the Redis the other tests use: the default user stays open for their setup.
    try (var jedis = redis.client()) {
      jedis.aclSetUser("status", "on", ">" + redisSecret, "~*", "+@all");
    }
    try (InProcessProxy other = InProcessProxy.start(Map.of("REDIS_URL",
             "redis://status:" + redisSecret + "@127.0.0.1:" + redis.port(), "PROXY_PASSWORD", SECRET))) {
      assertThat(get(other.port(), "/get/a", true).statusCode()).as("read with the URL's credentials").isEqualTo(200);
      HttpResponse<String> res = get(other.port(), "/status.json", true);
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.body()).doesNotContain(redisSecret).doesNotContain(SECRET);
      assertThat(new JsonObject(res.body()).getJsonObject("config").getString("REDIS"))
          .isEqualTo("redis://127.0.0.1:" + redis.port());
    }
  }

  @Test
  void thePageIsSelfContainedHtmlThatMayReachNoOtherOrigin() throws Exception {
    HttpResponse<String> res = get("/", true);
    assertThat(res.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(res.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'none'", "connect-src 'self'");
    assertThat(res.body()).startsWith("<!doctype html>").contains("status.json")
        .doesNotContain("http://", "https://", "<script src", "<link rel=\"stylesheet\"", "@import");
  }

  /** a: 1 miss + 4 hits; b: 1 miss + 1 hit; missing: 3 misses (not in Redis); the binary key: 1 miss. */
  private void traffic() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(get("/get/a", true).statusCode()).isEqualTo(200);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(get("/get/b", true).statusCode()).isEqualTo(200);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(get("/get/missing", true).statusCode()).isEqualTo(404);
    }
    assertThat(get("/get/%FF%FEx", true).statusCode()).isEqualTo(200);
  }

  /** Polls /status.json until it satisfies the condition; the deadline only turns a hang into a failure. */
  private HttpResponse<String> awaitStatus(Predicate<JsonObject> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      HttpResponse<String> res = get("/status.json", true);
      if (done.test(new JsonObject(res.body()))) {
        return res;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("status never got there: " + res.body());
      }
      Thread.sleep(50);
    }
  }

  private static JsonObject row(String key, long reads, long hits, long misses) {
    return new JsonObject().put("key", key).put("reads", reads).put("hits", hits).put("misses", misses);
  }

  private JsonObject json(String path) throws Exception {
    HttpResponse<String> res = get(path, true);
    assertThat(res.statusCode()).as(path).isEqualTo(200);
    return new JsonObject(res.body());
  }

  private HttpResponse<String> get(String path, boolean authenticated) throws Exception {
    return get(proxy.port(), path, authenticated);
  }

  private HttpResponse<String> get(int port, String path, boolean authenticated) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    if (authenticated) {
      String basic = Base64.getEncoder().encodeToString(("ops:" + SECRET).getBytes(StandardCharsets.UTF_8));
      req.header("Authorization", "Basic " + basic);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }
}
