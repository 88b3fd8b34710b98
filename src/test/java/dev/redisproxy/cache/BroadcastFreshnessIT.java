package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * {@code CACHE_INVALIDATION=broadcast} with {@code CACHE_TRACKING_PREFIXES=user:}: the whole proxy over
 * HTTP against a real redis-server, with a {@code CACHE_TTL} and a {@code CACHE_NEGATIVE_TTL} of an hour,
 * so only Redis's broadcast reports can make a cached value fresh.
 */
class BroadcastFreshnessIT {

  /** How long a change may take to show through the proxy before the test fails: not a latency target. */
  private static final Duration FRESH = Duration.ofSeconds(10);

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().withResp().with("CACHE_INVALIDATION", "broadcast")
      .with("CACHE_TRACKING_PREFIXES", "user:").with("CACHE_TTL", "1h").with("CACHE_NEGATIVE_TTL", "1h");

  @BeforeEach
  void trackingUp() throws Exception {
    Await.until(FRESH, "tracking up", () -> metrics().get("redis_proxy_cache_tracking_up") == 1);
  }

  @Test
  void aWriteUnderThePrefixIsServedNextAndTheRedisInfoSaysBroadcast() throws Exception {
    proxy.redis().set("user:1", "v1");
    assertCached("user:1", "v1");
    proxy.redis().set("user:1", "v2");
    awaitServed("user:1", "v2");
    assertCached("user:1", "v2");
    assertThat(metrics().get("redis_proxy_cache_tracking_invalidations_total")).isGreaterThanOrEqualTo(1);
    try (Jedis resp = new Jedis("127.0.0.1", proxy.respPort())) {
      assertThat(resp.info("cache")).contains("cache_invalidation:broadcast\r\n", "cache_tracking_up:1\r\n");
    }
  }

  @Test
  void aKeyOutsideThePrefixesIsServedButNeverCached() throws Exception {
    proxy.redis().set("other:1", "a");
    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> r = proxy.get("/get/other:1");
      assertThat(ProxyFixture.text(r)).isEqualTo("a");
      assertThat(r.headers().firstValue("X-Cache")).hasValue("MISS");
    }
    proxy.redis().set("other:1", "b");
    assertThat(ProxyFixture.text(proxy.get("/get/other:1"))).as("read again at once").isEqualTo("b");
    assertThat(metrics().get("redis_proxy_cache_keys")).isZero();
  }

  @Test
  void aCachedAbsenceIsDroppedWhenTheKeyIsCreated() throws Exception {
    assertThat(proxy.get("/get/user:new").statusCode()).isEqualTo(404);
    double hits = metrics().get("redis_proxy_cache_hits_total");
    assertThat(proxy.get("/get/user:new").statusCode()).isEqualTo(404);
    assertThat(metrics().get("redis_proxy_cache_hits_total")).as("remembered as missing").isEqualTo(hits + 1);
    proxy.redis().set("user:new", "created");
    awaitServed("user:new", "created");
  }

  @Test
  void aKilledTrackingConnectionDropsTheCacheAndBroadcastComesBack() throws Exception {
    proxy.redis().set("user:k", "v1");
    assertCached("user:k", "v1");
    try (Jedis jedis = proxy.redis().client()) {
      String line = jedis.clientList().lines().filter(l -> l.contains(" name=redis-proxy-tracking "))
          .findFirst().orElseThrow(() -> new AssertionError("no tracking connection in CLIENT LIST"));
      jedis.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", line.substring(3, line.indexOf(' ')));
    }
    // No report of this write can reach the proxy: only dropping the whole cache makes it visible.
    proxy.redis().set("user:k", "v2");
    awaitServed("user:k", "v2");
    assertThat(metrics().get("redis_proxy_cache_tracking_flushes_total{reason=\"connection_lost\"}")).isEqualTo(1);
    trackingUp();
    assertCached("user:k", "v2");
    proxy.redis().set("user:k", "v3");
    awaitServed("user:k", "v3");
  }

  /** Scraped as Prometheus would: {@code /metrics} takes the cache verticle's figures first. */
  private PrometheusText metrics() throws Exception {
    return PrometheusText.parse(ProxyFixture.text(proxy.get("/metrics")));
  }

  /** The key is served from the cache with that value (read once through, then a hit). */
  private void assertCached(String key, String value) throws Exception {
    Await.until(FRESH, key + " read through", () -> value.equals(ProxyFixture.text(proxy.get("/get/" + key))));
    HttpResponse<byte[]> hit = proxy.get("/get/" + key);
    assertThat(hit.headers().firstValue("X-Cache")).as("X-Cache of " + key).hasValue("HIT");
    assertThat(ProxyFixture.text(hit)).isEqualTo(value);
  }

  private void awaitServed(String key, String value) throws InterruptedException {
    Await.until(FRESH, key + " served as " + value, () -> {
      HttpResponse<byte[]> got = proxy.get("/get/" + key);
      return got.statusCode() == 200 && value.equals(ProxyFixture.text(got));
    });
  }
}
