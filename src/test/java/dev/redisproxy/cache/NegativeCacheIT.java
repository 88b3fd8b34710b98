package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * {@code CACHE_NEGATIVE_TTL} against a real redis-server: a flood of reads of an absent key costs
 * Redis one read, counted with Redis's own {@code INFO commandstats}; with
 * {@code CACHE_INVALIDATION=tracking}, creating the key is reported by Redis (which tracks the read
 * of a missing key like any other) and the key is served at once.
 */
class NegativeCacheIT {

  private static final Duration WITHIN = Duration.ofSeconds(10);
  // A read of a value is one GET, or one PTTL followed by what reads the value (GETRANGE): counting
  // the larger of the GET and PTTL calls counts reads whichever way the reader reads.
  private static final Pattern CALLS = Pattern.compile("cmdstat_(get|pttl):calls=(\\d+)");

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().with("CACHE_NEGATIVE_TTL", "1h").deferred();

  @Test
  void aFloodOfReadsOfAnAbsentKeyCostsRedisOneRead() throws Exception {
    proxy.start(Map.of());
    long before = reads();
    for (int i = 0; i < 50; i++) {
      assertThat(proxy.get("/get/absent").statusCode()).isEqualTo(404);
    }
    assertThat(reads() - before).isEqualTo(1);
    assertThat(metrics().get("redis_proxy_cache_hits_total")).isEqualTo(49);
    assertThat(metrics().get("redis_proxy_cache_keys")).isEqualTo(1);
  }

  @Test
  void withTrackingTheKeysCreationDropsItsNegativeEntry() throws Exception {
    proxy.start(Map.of("CACHE_INVALIDATION", "tracking"));
    Await.until(WITHIN, "tracking up", () -> metrics().get("redis_proxy_cache_tracking_up") == 1);
    assertThat(proxy.get("/get/k").statusCode()).isEqualTo(404);
    long before = reads();
    assertThat(proxy.get("/get/k").statusCode()).isEqualTo(404);
    assertThat(reads() - before).as("remembered as missing").isZero();
    proxy.redis().set("k", "created");
    Await.until(WITHIN, "the created key to be served", () -> proxy.get("/get/k").statusCode() == 200);
    assertThat(new String(proxy.get("/get/k").body())).isEqualTo("created");
  }

  /** Scraped as Prometheus would: {@code /metrics} takes the cache verticle's figures first. */
  private PrometheusText metrics() throws Exception {
    return PrometheusText.parse(new String(proxy.get("/metrics").body(), StandardCharsets.UTF_8));
  }

  private long reads() {
    try (Jedis jedis = proxy.redis().client()) {
      Matcher m = CALLS.matcher(jedis.info("commandstats"));
      long most = 0;
      while (m.find()) {
        most = Math.max(most, Long.parseLong(m.group(2)));
      }
      return most;
    }
  }
}
