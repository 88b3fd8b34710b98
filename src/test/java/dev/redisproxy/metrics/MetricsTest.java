package dev.redisproxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.FakeRedisReader;
import dev.redisproxy.cache.FakeTicker;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LruTtlCache;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RawHttp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every metric of {@code /metrics} moved by the traffic that should move it: the whole proxy
 * over HTTP, with a fake Redis and a fake clock, so that evictions, expirations, timeouts and
 * latencies are exact. The cache's figures must equal the cache verticle's {@link CacheStats}.
 */
class MetricsTest {

  private final FakeRedisReader redis = new FakeRedisReader();
  private final FakeTicker ticker = new FakeTicker();
  @RegisterExtension
  final ProxyFixture fixture = ProxyFixture.withReader(redis, ticker)
      .with(Map.of("CACHE_MAXSIZE", "2", "CACHE_TTL", "10s", "REDIS_TIMEOUT", "200ms")).withResp().deferred();

  private void startProxy(Map<String, String> env) throws Exception {
    fixture.start(env);
  }

  @Test
  void cacheFiguresFollowTheTrafficAndEqualTheCacheVerticlesStats() throws Exception {
    startProxy(Map.of());
    for (String k : List.of("a", "b", "c", "co")) {
      redis.data.put(Key.of(k), Buffer.buffer("value of " + k));
    }
    PrometheusText empty = scrape();
    assertThat(empty.get("redis_proxy_cache_hits_total")).isZero();
    assertThat(empty.get("redis_proxy_cache_hit_ratio")).isZero();

    assertThat(status("/get/a")).isEqualTo(200); // miss
    assertThat(status("/get/a")).isEqualTo(200); // hit
    assertThat(status("/get/b")).isEqualTo(200); // miss
    assertThat(status("/get/c")).isEqualTo(200); // miss: evicts a, the least recently used
    ticker.advance(Duration.ofSeconds(10));
    assertThat(status("/get/b")).isEqualTo(200); // b has expired: miss; storing b again purges expired c
    assertThat(status("/get/missing")).isEqualTo(404); // miss
    coalescedMisses("co", 3); // 3 misses, 2 of them coalesced

    PrometheusText m = scrape();
    assertThat(m.get("redis_proxy_cache_hits_total")).isEqualTo(1);
    assertThat(m.get("redis_proxy_cache_misses_total")).isEqualTo(8);
    assertThat(m.get("redis_proxy_cache_coalesced_total")).isEqualTo(2);
    assertThat(m.get("redis_proxy_cache_evictions_total")).isEqualTo(1);
    assertThat(m.get("redis_proxy_cache_expirations_total")).isEqualTo(2);
    assertThat(m.get("redis_proxy_cache_keys")).isEqualTo(2);
    assertThat(m.get("redis_proxy_cache_max_keys")).isEqualTo(2);
    assertThat(m.get("redis_proxy_cache_hit_ratio")).isEqualTo(1.0 / 9);
    assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"200\"}")).isEqualTo(8);
    assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"404\"}")).isEqualTo(1);

    assertThat(status("DELETE", "/cache/b")).isEqualTo(204);
    PrometheusText afterDelete = scrape();
    assertThat(afterDelete.get("redis_proxy_cache_invalidations_total")).isEqualTo(1);
    assertThat(afterDelete.get("redis_proxy_cache_keys")).isEqualTo(1);
    assertAgreesWith(afterDelete, stats());
  }

  @Test
  void theByteBudgetUncacheableValuesAndStaleAnswersAreMeteredAndInInfo() throws Exception {
    startProxy(Map.of("CACHE_MAXMEMORY", "4096", "CACHE_STALE_IF_ERROR", "1m", "CACHE_MAXSIZE", "10"));
    redis.data.put(Key.of("big"), Buffer.buffer(new byte[400]));
    redis.data.put(Key.of("s"), Buffer.buffer("v"));
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> big = fixture.get("/get/big");
      assertThat(big.statusCode()).isEqualTo(200);
      assertThat(big.body()).hasSize(400);
      assertThat(big.headers().firstValue("X-Cache")).as("too large to cache: served from Redis each time").hasValue("MISS");
    }
    assertThat(status("/get/s")).isEqualTo(200);
    ticker.advance(Duration.ofSeconds(10));
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    assertThat(fixture.get("/get/s").headers().firstValue("X-Cache")).hasValue("STALE");
    try (RawConnection resp = RawConnection.plain(fixture.respPort())) {
      assertThat(resp.command("GET", "s")).as("RESP serves a stale value as a value").isEqualTo("$1");
      assertThat(resp.line()).isEqualTo("v");
    }

    PrometheusText m = scrape();
    assertThat(m.get("redis_proxy_cache_uncacheable_total")).isEqualTo(2);
    assertThat(m.get("redis_proxy_cache_stale_served_total")).isEqualTo(2);
    long weight = 1 + 1 + LruTtlCache.ENTRY_OVERHEAD;
    assertThat(m.get("redis_proxy_cache_bytes")).isEqualTo(weight);
    assertThat(m.get("redis_proxy_cache_max_bytes")).isEqualTo(4096);
    assertAgreesWith(m, stats());
    assertThat(infoCache()).contains("cache_bytes:" + weight, "cache_max_bytes:4096", "cache_uncacheable:2",
        "cache_stale_served:2");
  }

  /** The lines of RESP {@code INFO cache}. */
  private List<String> infoCache() throws Exception {
    try (RawConnection resp = RawConnection.plain(fixture.respPort())) {
      String header = resp.command("INFO", "cache");
      assertThat(header).startsWith("$");
      byte[] body = resp.read(Integer.parseInt(header.substring(1)) + 2);
      return List.of(new String(body, StandardCharsets.UTF_8).split("\r\n"));
    }
  }

  @Test
  void redisFailuresAreCountedByReasonAndAsRequestsByStatus() throws Exception {
    startProxy(Map.of());
    redis.failWith(Failure.REDIS_ERROR, "WRONGTYPE Operation against a key holding the wrong kind of value");
    assertThat(status("/get/list")).isEqualTo(502);
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    assertThat(status("/get/x")).isEqualTo(503);
    assertThat(status("/get/y")).isEqualTo(503);
    assertThat(scrape().get("redis_proxy_redis_up")).isZero();
    redis.heal();
    redis.hold();
    assertThat(status("/get/slow")).as("no answer within REDIS_TIMEOUT").isEqualTo(503);
    redis.releaseAll();

    PrometheusText m = scrape();
    assertThat(m.get("redis_proxy_redis_read_failures_total{reason=\"error\"}")).isEqualTo(1);
    assertThat(m.get("redis_proxy_redis_read_failures_total{reason=\"unavailable\"}")).isEqualTo(2);
    assertThat(m.get("redis_proxy_redis_read_failures_total{reason=\"timeout\"}")).isEqualTo(1);
    assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"502\"}")).isEqualTo(1);
    assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"503\"}")).isEqualTo(3);
    assertThat(m.get("redis_proxy_redis_reads_rejected_total")).isZero();
    assertAgreesWith(m, stats());
  }

  @Test
  void redisReadLatencyIsAHistogramOfTheReadsRedisAnswered() throws Exception {
    startProxy(Map.of("REDIS_TIMEOUT", "30s"));
    redis.data.put(Key.of("slow"), Buffer.buffer("s"));
    redis.hold();
    CompletableFuture<HttpResponse<byte[]>> reply = sendAsync("/get/slow");
    awaitCondition(() -> redis.pending() == 1);
    ticker.advance(Duration.ofMillis(30));
    redis.releaseAll();
    assertThat(reply.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    assertThat(status("/get/unreachable")).isEqualTo(503);

    PrometheusText m = scrape();
    assertThat(m.get("redis_proxy_redis_read_seconds_count")).as("a read that never reached Redis is not timed").isEqualTo(1);
    assertThat(m.get("redis_proxy_redis_read_seconds_sum")).isEqualTo(0.03);
    assertThat(m.get("redis_proxy_redis_read_seconds_bucket{le=\"0.025\"}")).isZero();
    assertThat(m.get("redis_proxy_redis_read_seconds_bucket{le=\"0.05\"}")).isEqualTo(1);
    assertThat(m.get("redis_proxy_redis_read_seconds_bucket{le=\"+Inf\"}")).isEqualTo(1);
  }

  @Test
  void theBytesHeldForClientsAreMeteredByFrontEndAgainstTheirBudget() throws Exception {
    startProxy(Map.of("REDIS_TIMEOUT", "30s"));
    redis.data.put(Key.of("slow"), Buffer.buffer("s"));
    PrometheusText idle = scrape();
    assertThat(idle.get("redis_proxy_client_reply_bytes{frontend=\"http\"}")).isZero();
    assertThat(idle.get("redis_proxy_client_reply_bytes{frontend=\"resp\"}")).isZero();
    long heap = Runtime.getRuntime().maxMemory();
    assertThat(idle.get("redis_proxy_client_reply_max_bytes{frontend=\"http\"}")).as("an eighth of the heap over both")
        .isEqualTo(idle.get("redis_proxy_client_reply_max_bytes{frontend=\"resp\"}"))
        .isBetween(heap / 16 - 16.0, heap / 16.0);

    redis.hold();
    CompletableFuture<HttpResponse<byte[]>> reply = sendAsync("/get/slow");
    awaitCondition(() -> redis.pending() == 1);
    assertThat(scrape().get("redis_proxy_client_reply_bytes{frontend=\"http\"}"))
        .as("a lookup in flight reserves what its answer may bring").isPositive();
    redis.releaseAll();
    assertThat(reply.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    awaitCondition(() -> scrape().get("redis_proxy_client_reply_bytes{frontend=\"http\"}") == 0);
  }

  @Test
  void openConnectionsAndRefusalsAtMaxConnections() throws Exception {
    startProxy(Map.of("MAX_CONNECTIONS", "2"));
    redis.data.put(Key.of("k"), Buffer.buffer("v"));
    try (RawHttp first = fixture.connect(); RawHttp second = fixture.connect()) {
      assertThat(rawGet(first, "/get/k").status()).isEqualTo(200);
      assertThat(rawGet(second, "/get/k").status()).isEqualTo(200);
      for (int i = 0; i < 2; i++) {
        try (RawHttp extra = fixture.connect()) {
          assertThat(rawGet(extra, "/get/k").status()).isEqualTo(503);
        }
      }
      PrometheusText m = PrometheusText.parse(rawGet(first, "/metrics").text());
      assertThat(m.get("redis_proxy_client_connections")).isEqualTo(2);
      assertThat(m.get("redis_proxy_client_connections_max")).isEqualTo(2);
      assertThat(m.get("redis_proxy_client_connections_refused_total")).isEqualTo(2);
      assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"503\"}")).isEqualTo(2);
    }
  }

  @Test
  void operatorEndpointsAreNotCountedAsRequests() throws Exception {
    startProxy(Map.of());
    scrape();
    assertThat(status("/health/live")).isEqualTo(200);
    assertThat(status("DELETE", "/cache")).isEqualTo(204);
    assertThat(status("/nowhere")).isEqualTo(404);
    PrometheusText m = scrape();
    assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"200\"}")).isZero();
    assertThat(m.get("redis_proxy_requests_total{frontend=\"http\",status=\"404\"}")).as("an unknown path is").isEqualTo(1);
    assertThat(m.hasAnyStartingWith("vertx_http_server")).as("Vert.x's per-request metrics are off").isFalse();
  }

  /** Several lookups of one key while Redis holds the read: one read, the others wait for it. */
  private void coalescedMisses(String key, int n) throws Exception {
    long coalescedBefore = stats().coalesced();
    redis.hold();
    List<CompletableFuture<HttpResponse<byte[]>>> replies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      replies.add(sendAsync("/get/" + key));
    }
    awaitCondition(() -> stats().coalesced() == coalescedBefore + n - 1);
    redis.releaseAll();
    for (CompletableFuture<HttpResponse<byte[]>> r : replies) {
      assertThat(r.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  private static void assertAgreesWith(PrometheusText m, CacheStats s) {
    assertThat(m.get("redis_proxy_cache_hits_total")).isEqualTo(s.hits());
    assertThat(m.get("redis_proxy_cache_misses_total")).isEqualTo(s.misses());
    assertThat(m.get("redis_proxy_cache_coalesced_total")).isEqualTo(s.coalesced());
    assertThat(m.get("redis_proxy_cache_evictions_total")).isEqualTo(s.evictions());
    assertThat(m.get("redis_proxy_cache_expirations_total")).isEqualTo(s.expirations());
    assertThat(m.get("redis_proxy_cache_invalidations_total")).isEqualTo(s.invalidations());
    assertThat(m.get("redis_proxy_cache_keys")).isEqualTo(s.keys());
    assertThat(m.get("redis_proxy_cache_max_keys")).isEqualTo(s.capacity());
    assertThat(m.get("redis_proxy_cache_bytes")).isEqualTo(s.bytes());
    assertThat(m.get("redis_proxy_cache_max_bytes")).isEqualTo(s.maxBytes());
    assertThat(m.get("redis_proxy_cache_uncacheable_total")).isEqualTo(s.uncacheable());
    assertThat(m.get("redis_proxy_cache_stale_served_total")).isEqualTo(s.staleServed());
    assertThat(m.get("redis_proxy_cache_hit_ratio")).isEqualTo(s.hitRatio());
    assertThat(m.get("redis_proxy_redis_reads_in_flight")).isEqualTo(s.inFlight());
    assertThat(m.get("redis_proxy_redis_read_failures_total{reason=\"error\"}")).isEqualTo(s.redisErrors());
    assertThat(m.get("redis_proxy_redis_read_failures_total{reason=\"timeout\"}")).isEqualTo(s.redisTimeouts());
    assertThat(m.get("redis_proxy_redis_read_failures_total{reason=\"unavailable\"}")).isEqualTo(s.redisUnavailable());
    assertThat(m.get("redis_proxy_redis_reads_rejected_total")).isEqualTo(s.rejected());
    assertThat(m.get("redis_proxy_redis_up")).isEqualTo(s.redisReachable() ? 1 : 0);
  }

  private CacheStats stats() throws Exception {
    return fixture.vertx().eventBus().<CacheStats>request(CacheVerticle.STATS, null).map(Message::body)
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> r = fixture.send("GET", "/metrics", HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
    return PrometheusText.parse(r.body());
  }

  private int status(String path) throws Exception {
    return status("GET", path);
  }

  private int status(String method, String path) throws Exception {
    return fixture.send(method, path).statusCode();
  }

  private CompletableFuture<HttpResponse<byte[]>> sendAsync(String path) {
    return fixture.sendAsync("GET", path);
  }

  private static RawHttp.Response rawGet(RawHttp connection, String path) throws Exception {
    return connection.send(RawHttp.request("GET", path)).read();
  }

  /** Polls a condition with a deadline (see {@link Await}); the polling is not a timing assertion. */
  private static void awaitCondition(Callable<Boolean> check) throws InterruptedException {
    Await.until(Duration.ofSeconds(10), "the condition", check);
  }
}
