package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * {@code CACHE_INVALIDATION=tracking}: the whole proxy over HTTP against a real redis-server, with a
 * {@code CACHE_TTL} of an hour, so only Redis's reports can make a cached value fresh. A change made by
 * another client reaches the proxy one hop later, so each test polls for the new state with a generous
 * deadline ({@link #FRESH}); staying stale would keep the old value for the hour and fail it.
 */
class FreshnessIT {

  /** How long a change may take to show through the proxy before the test fails: not a latency target. */
  private static final Duration FRESH = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newHttpClient();
  private RedisProcess redis;
  private InProcessProxy proxy;
  private int respPort;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    respPort = RedisProcess.freePort();
    proxy = InProcessProxy.start(Map.of("REDIS_URL", redis.url(), "CACHE_INVALIDATION", "tracking",
        "CACHE_TTL", "1h", "CACHE_MAXSIZE", "1000", "RESP_PORT", Integer.toString(respPort)));
    Await.until(FRESH, "tracking up", () -> metrics().get("redis_proxy_cache_tracking_up") == 1);
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
    redis.close();
  }

  @Test
  void aSetFromAnotherClientIsServedNext() throws Exception {
    redis.set("k", "v1");
    assertCached("k", "v1");
    redis.set("k", "v2");
    awaitServed("k", "v2");
    assertCached("k", "v2");
    assertThat(metrics().get("redis_proxy_cache_tracking_invalidations_total")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aDeletedKeyIsNotFoundNext() throws Exception {
    redis.set("k", "v");
    assertCached("k", "v");
    redis(jedis -> jedis.del("k"));
    awaitServed("k", null);
  }

  @Test
  void aKeyWhoseExpiryTimeCameIsNotFoundNext() throws Exception {
    redis.set("k", "v");
    assertCached("k", "v");
    redis(jedis -> jedis.pexpire("k", 300));
    // Redis reports the key when it deletes it: on access, or within its active expiry cycle.
    awaitServed("k", null);
  }

  @Test
  void aRenameIsSeenUnderBothNames() throws Exception {
    redis.set("from", "moved");
    redis.set("to", "overwritten");
    assertCached("from", "moved");
    assertCached("to", "overwritten");
    redis(jedis -> jedis.rename("from", "to"));
    awaitServed("from", null);
    awaitServed("to", "moved");
  }

  @Test
  void aFlushAllDropsEveryCachedKey() throws Exception {
    redis.set("a", "1");
    redis.set("b", "2");
    assertCached("a", "1");
    assertCached("b", "2");
    redis(Jedis::flushAll);
    awaitServed("a", null);
    awaitServed("b", null);
    assertThat(metrics().get("redis_proxy_cache_tracking_flushes_total{reason=\"redis_flush\"}")).isEqualTo(1);
  }

  @Test
  void aKilledTrackingConnectionDropsTheCacheAndTrackingRecovers() throws Exception {
    redis.set("k", "v1");
    assertCached("k", "v1");
    killTrackingConnection();
    // No report of this write can reach the proxy: only dropping the whole cache makes it visible.
    redis.set("k", "v2");
    awaitServed("k", "v2");
    PrometheusText m = metrics();
    assertThat(m.get("redis_proxy_cache_tracking_flushes_total{reason=\"connection_lost\"}")).isEqualTo(1);
    Await.until(FRESH, "tracking up again", () -> metrics().get("redis_proxy_cache_tracking_up") == 1);
    assertCached("k", "v2");
    redis.set("k", "v3");
    awaitServed("k", "v3");
    try (Jedis resp = new Jedis("127.0.0.1", respPort)) {
      assertThat(resp.info("cache")).as("RESP INFO: the same figures as /metrics")
          .contains("cache_invalidation:tracking\r\n", "cache_tracking_up:1\r\n", "cache_tracking_flushes:0\r\n",
              "cache_tracking_connection_losses:1\r\n",
              "cache_tracking_invalidations:" + (long) metrics().get("redis_proxy_cache_tracking_invalidations_total") + "\r\n");
    }
  }

  /**
   * A writer sets a few keys to increasing numbers while readers read them through the proxy. A read
   * never returns a number older than the last write acknowledged {@link #SLACK} before the read began.
   */
  @Test
  void concurrentReadersNeverSeeAValueOlderThanTheLastAcknowledgedWrite() throws Exception {
    int keys = 4;
    List<ConcurrentSkipListMap<Long, Long>> acked = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      acked.add(new ConcurrentSkipListMap<>(Map.of(Long.MIN_VALUE, 0L)));
      redis.set("c" + i, "0");
    }
    AtomicBoolean running = new AtomicBoolean(true);
    Thread writer = new Thread(() -> {
      try (Jedis jedis = redis.client()) {
        for (long n = 1; running.get(); n++) {
          int key = (int) (n % keys);
          jedis.set("c" + key, Long.toString(n));
          acked.get(key).put(System.nanoTime(), n);
          // A short pause between writes leaves room for hits between them.
          Thread.sleep(1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    ConcurrentLinkedQueue<String> stale = new ConcurrentLinkedQueue<>();
    AtomicLong reads = new AtomicLong();
    AtomicLong hits = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      readers.add(new Thread(() -> {
        while (running.get()) {
          int key = ThreadLocalRandom.current().nextInt(keys);
          long began = System.nanoTime();
          long floor = acked.get(key).floorEntry(began - SLACK.toNanos()).getValue();
          try {
            HttpResponse<String> got = proxy.get("c" + key);
            long value = Long.parseLong(got.body());
            reads.incrementAndGet();
            if (got.headers().firstValue("X-Cache").orElse("").equals("HIT")) {
              hits.incrementAndGet();
            }
            if (value < floor) {
              stale.add("c" + key + " = " + value + ", acknowledged " + floor + " before the read");
            }
          } catch (Exception e) {
            stale.add("read failed: " + e);
          }
        }
      }));
    }
    writer.start();
    readers.forEach(Thread::start);
    Thread.sleep(RUN.toMillis());
    running.set(false);
    writer.join();
    for (Thread reader : readers) {
      reader.join();
    }
    assertThat(stale).as("stale or failed reads out of %d", reads.get()).isEmpty();
    assertThat(hits.get()).as("reads served from the cache, out of %d", reads.get()).isPositive();
    assertThat(metrics().get("redis_proxy_cache_tracking_invalidations_total")).isPositive();
  }

  /** How much later than a write's acknowledgement a read may still miss it: generous, not a target. */
  private static final Duration SLACK = Duration.ofSeconds(2);
  /** How long the writer and readers run: longer than SLACK, so that a stale cache would be caught. */
  private static final Duration RUN = Duration.ofSeconds(4);

  // --- helpers

  /** The key is served from the cache with that value (read once through, then a hit). */
  private void assertCached(String key, String value) throws Exception {
    Await.until(FRESH, key + " read through", () -> value.equals(proxy.get(key).body()));
    HttpResponse<String> hit = proxy.get(key);
    assertThat(hit.headers().firstValue("X-Cache")).as("X-Cache of " + key).hasValue("HIT");
    assertThat(hit.body()).isEqualTo(value);
  }

  /** Waits until the proxy serves the value (null: 404). */
  private void awaitServed(String key, String value) throws InterruptedException {
    Await.until(FRESH, key + " served as " + value, () -> {
      HttpResponse<String> got = proxy.get(key);
      return value == null ? got.statusCode() == 404 : got.statusCode() == 200 && value.equals(got.body());
    });
  }

  private void killTrackingConnection() {
    redis(jedis -> {
      String line = jedis.clientList().lines().filter(l -> l.contains(" name=redis-proxy-tracking "))
          .findFirst().orElseThrow(() -> new AssertionError("no tracking connection in CLIENT LIST"));
      return jedis.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", line.substring(3, line.indexOf(' ')));
    });
  }

  private void redis(java.util.function.Function<Jedis, Object> command) {
    try (Jedis jedis = redis.client()) {
      command.apply(jedis);
    }
  }

  private PrometheusText metrics() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/metrics")).build();
    return PrometheusText.parse(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }
}
