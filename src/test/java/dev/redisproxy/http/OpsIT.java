package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.LogCapture;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawHttp;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's endpoints of the whole proxy against a real redis-server, on a Vert.x built as
 * {@code Main} builds it (Micrometer metrics on).
 */
class OpsIT {

  @RegisterExtension
  final ProxyFixture fixture = ProxyFixture.withRedis().metered().with("REDIS_TIMEOUT", "500ms").deferred();
  private RedisProcess redis;

  private void startProxy(Map<String, String> env) throws Exception {
    fixture.start(env);
    redis = fixture.redis();
  }

  @Test
  void readinessTellsTheTruthThroughARedisRestartAndTheLogSaysWhen() throws Exception {
    startProxy(Map.of());
    try (LogCapture logs = new LogCapture(CacheVerticle.class)) {
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
      assertThat(logs.events(Level.TRACE)).containsExactly(
          "WARN Redis at " + redis.url() + " is unreachable or too slow;"
              + " misses fail, cached keys are still served",
          "INFO Redis at " + redis.url() + " answers again");
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
    try (RawHttp s = fixture.connect()) {
      assertThat(s.send(RawHttp.request("DELETE", "/cache/bad%zz")).read().status()).isEqualTo(400);
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
    try (RawHttp held = fixture.connect()) {
      assertThat(held.send(RawHttp.request("GET", "/get/k")).read().status()).isEqualTo(200);
      try (RawHttp probe = fixture.connect()) {
        RawHttp.Response reply = probe.send(RawHttp.request("GET", "/health/live")).read();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("connection")).isEqualToIgnoringCase("close");
      }
      try (RawHttp extra = fixture.connect()) {
        assertThat(extra.send(RawHttp.request("GET", "/get/k")).read().status()).isEqualTo(503);
      }
    }
  }

  private String xCache(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("X-Cache").orElseThrow();
  }

  /** Polls until the path answers the status; a Redis restart takes a moment. Not a timing assertion. */
  private void awaitStatus(String path, int status) throws Exception {
    Await.until(path + " answering " + status, Duration.ofSeconds(10), () -> get(path).statusCode(), s -> s == status);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path);
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return fixture.send(method, path, HttpResponse.BodyHandlers.ofString());
  }
}
