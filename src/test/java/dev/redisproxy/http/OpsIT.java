package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.MeteredVertx;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.redis.VertxRedisReader;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RedisProcess;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The operator's endpoints of the whole proxy against a real redis-server, on a Vert.x built as
 * {@code Main} builds it (Micrometer metrics on).
 */
class OpsIT {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RedisProcess redis;
  private Vertx vertx;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await();
    redis.close();
  }

  private void startProxy(Map<String, String> env) throws IOException {
    port = RedisProcess.freePort();
    Map<String, String> all = new HashMap<>(Map.of(
        "REDIS_URL", redis.url(), "PROXY_PORT", Integer.toString(port), "RESP_PORT", "0",
        "MAX_PARALLEL", "2", "REDIS_TIMEOUT", "500ms"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    PrometheusMeterRegistry registry = ProxyMetrics.newRegistry();
    vertx = MeteredVertx.create(new VertxOptions(), registry);
    vertx.deployVerticle(new ProxyVerticle(config, v -> VertxRedisReader.create(v, config), Ticker.system(), registry))
        .await();
  }

  @Test
  void readinessTellsTheTruthThroughARedisRestartAndTheLogSaysWhen() throws Exception {
    startProxy(Map.of());
    ListAppender<ILoggingEvent> logs = captureLogs();
    try {
      HttpResponse<String> ready = get("/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("UP");

      redis.kill();
      HttpResponse<String> down = get("/health/ready");
      assertThat(down.statusCode()).isEqualTo(503);
      JsonObject body = new JsonObject(down.body());
      assertThat(body.getString("status")).isEqualTo("DOWN");
      JsonObject check = body.getJsonArray("checks").getJsonObject(0);
      assertThat(check.getString("id")).isEqualTo("redis");
      assertThat(check.getJsonObject("data").getString("failure")).isIn("unavailable", "timeout");
      assertThat(get("/health/live").statusCode()).as("the process is still alive").isEqualTo(200);

      redis.restart();
      awaitStatus("/health/ready", 200);
      assertThat(logs.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
          "WARN Redis at " + redis.url() + " is unreachable or too slow;"
              + " misses fail, cached keys are still served",
          "INFO Redis at " + redis.url() + " answers again");
    } finally {
      ((Logger) LoggerFactory.getLogger(CacheVerticle.class)).detachAppender(logs);
    }
  }

  @Test
  void adminEndpointsDropExactlyWhatTheySayAndLeaveRedisAlone() throws Exception {
    startProxy(Map.of());
    redis.set("a", "1");
    redis.set("b", "2");
    redis.set("hello world", "3");
    for (String path : new String[] {"/get/a", "/get/b", "/get/hello%20world"}) {
      assertThat(xCache(path)).isEqualTo("MISS");
    }
    assertThat(send("DELETE", "/cache/a").statusCode()).isEqualTo(204);
    assertThat(send("DELETE", "/cache/hello%20world").statusCode()).isEqualTo(204);
    assertThat(xCache("/get/b")).isEqualTo("HIT");
    assertThat(xCache("/get/a")).isEqualTo("MISS");
    assertThat(xCache("/get/hello%20world")).isEqualTo("MISS");
    try (var jedis = redis.client()) {
      assertThat(jedis.get("a")).as("Redis keeps the key").isEqualTo("1");
    }

    assertThat(send("DELETE", "/cache").statusCode()).isEqualTo(204);
    assertThat(xCache("/get/a")).isEqualTo("MISS");
    assertThat(xCache("/get/b")).isEqualTo("MISS");
    try (var jedis = redis.client()) {
      assertThat(jedis.dbSize()).isEqualTo(3);
    }

    assertThat(send("DELETE", "/cache/").statusCode()).isEqualTo(400);
    try (Socket s = new Socket("127.0.0.1", port)) {
      assertThat(raw(s, "DELETE", "/cache/bad%zz")).startsWith("HTTP/1.1 400");
    }
    assertThat(send("GET", "/cache/a").statusCode()).isEqualTo(405);
    assertThat(send("POST", "/metrics").statusCode()).isEqualTo(405);
  }

  @Test
  void metricsAfterTrafficShowTheHitRatioAndVertxsOwnFiguresButNoPerRequestOnes() throws Exception {
    startProxy(Map.of());
    redis.set("k", "v");
    for (int i = 0; i < 4; i++) {
      assertThat(get("/get/k").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> scrape = get("/metrics");
    PrometheusText m = PrometheusText.parse(scrape.body());
    assertThat(m.get("redis_proxy_cache_hits_total")).isEqualTo(3);
    assertThat(m.get("redis_proxy_cache_misses_total")).isEqualTo(1);
    assertThat(m.get("redis_proxy_cache_hit_ratio")).isEqualTo(0.75);
    assertThat(m.get("redis_proxy_redis_read_seconds_count")).isEqualTo(1);
    assertThat(m.get("redis_proxy_redis_up")).isEqualTo(1);
    assertThat(m.hasAnyStartingWith("jvm_memory_used_bytes")).as("JVM metrics").isTrue();
    assertThat(m.hasAnyStartingWith("vertx_pool_in_use{pool_name=\"redis-proxy\"")).as("the Redis pool").isTrue();
    assertThat(m.hasAnyStartingWith("vertx_http_server")).isFalse();
    assertThat(m.hasAnyStartingWith("vertx_eventbus")).isFalse();
    assertThat(m.hasAnyStartingWith("vertx_net")).isFalse();
  }

  @Test
  void healthIsAnsweredEvenOnAConnectionPastMaxConnections() throws Exception {
    startProxy(Map.of("MAX_CONNECTIONS", "1"));
    redis.set("k", "v");
    try (Socket held = new Socket("127.0.0.1", port)) {
      assertThat(raw(held, "GET", "/get/k")).startsWith("HTTP/1.1 200");
      try (Socket probe = new Socket("127.0.0.1", port)) {
        String reply = raw(probe, "GET", "/health/live");
        assertThat(reply).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
      }
      try (Socket extra = new Socket("127.0.0.1", port)) {
        assertThat(raw(extra, "GET", "/get/k")).startsWith("HTTP/1.1 503");
      }
    }
  }

  private static ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(CacheVerticle.class)).addAppender(logs);
    return logs;
  }

  private String xCache(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("X-Cache").orElseThrow();
  }

  /** Polls until the path answers the status; a Redis restart takes a moment. Not a timing assertion. */
  private void awaitStatus(String path, int status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (get(path).statusCode() != status) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(path + " did not answer " + status + " within 10 s");
      }
      Thread.sleep(50);
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path);
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10)).build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  /** One request on the socket; the status line and headers of the reply, and its body if it has a length. */
  private static String raw(Socket s, String method, String path) throws IOException {
    s.setSoTimeout(5000);
    OutputStream out = s.getOutputStream();
    out.write((method + " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }
}
