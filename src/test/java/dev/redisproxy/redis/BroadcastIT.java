package dev.redisproxy.redis;

import static dev.redisproxy.redis.TrackingHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.testing.Await;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import dev.redisproxy.testing.RedisProcess;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** {@code CACHE_INVALIDATION=broadcast}: the tracking reader with {@code CLIENT TRACKING ON BCAST} against a real Redis. */
class BroadcastIT {

  private RedisProcess redis;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    redis.close();
  }

  private TrackingHarness start(String prefixes) throws Exception {
    return new TrackingHarness(Map.of("REDIS_URL", redis.url(), "CACHE_INVALIDATION", "broadcast",
        "CACHE_TRACKING_PREFIXES", prefixes));
  }

  /**
   * A writer sets keys under the two prefixes and outside them, none of them read by the proxy. Every
   * write under a prefix is reported, each once; the writes outside never reach the proxy.
   */
  @Test
  void writesUnderThePrefixesAreReportedUnreadAndWritesOutsideThemNeverReachTheProxy() throws Exception {
    try (TrackingHarness h = start("user:,sess:")) {
      h.awaitUp();
      try (Jedis j = redis.client()) {
        for (int i = 0; i < 50; i++) {
          j.set("other:" + i, "x");
          j.set("user:" + i, "x");
          j.set("usr:" + i, "x");
        }
        j.set("sess:1", "x");
        j.del("user:7");
        j.set("user:end", "x");
        j.set("sess:end", "x");
      }
      Await.until(WAIT, "the last writes reported", () -> h.reports.contains("user:end") && h.reports.contains("sess:end"));
      assertThat(h.reportsSoFar()).as("reports of keys outside the prefixes")
          .noneMatch(k -> k.startsWith("other:") || k.startsWith("usr:"));
      assertThat(h.reportsSoFar()).as("every write under a prefix reported once: 50 SETs, a DEL, 2 more and sess:")
          .hasSize(54)
          .contains("user:0", "user:49", "sess:1");
      assertThat(h.count("user:7")).as("set, then deleted").isEqualTo(2);
      assertThat(h.cacheable("user:1")).isTrue();
      assertThat(h.cacheable("sess:")).isTrue();
      assertThat(h.cacheable("other:1")).as("nobody would hear of its changes").isFalse();
      assertThat(h.read("other:1")).as("read all the same").isEqualTo("x");
    }
  }

  /** Every write is reported in broadcast mode, so pushes arrive between nearly all replies: each read still gets its own key. */
  @Test
  void pipelinedReadsGetTheirOwnKeysWhileEveryWriteIsBroadcastBetweenTheReplies() throws Exception {
    int keys = 50;
    for (int i = 0; i < keys; i++) {
      redis.set("k" + i, "k" + i + "=0");
    }
    try (TrackingHarness h = new TrackingHarness(Map.of("REDIS_URL", redis.url(), "CACHE_INVALIDATION", "broadcast",
        "REDIS_TIMEOUT", "10s"))) {
      h.awaitUp();
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread writer = new Thread(() -> {
        try (Jedis jedis = redis.client()) {
          for (int n = 1; writing.get(); n++) {
            jedis.set("k" + (n % keys), "k" + (n % keys) + "=" + n);
          }
        }
      });
      writer.start();
      AtomicInteger wrong = new AtomicInteger();
      try {
        for (int round = 0; round < 10; round++) {
          h.onContext(() -> {
            List<Future<RedisValue>> reads = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
              String key = "k" + (i % keys);
              reads.add(h.reader.get(Key.of(key)).onSuccess(v -> {
                if (!v.found() || !v.value().toString().startsWith(key + "=")) {
                  wrong.incrementAndGet();
                }
              }));
            }
            return Future.all(reads);
          });
        }
      } finally {
        writing.set(false);
        writer.join();
      }
      assertThat(wrong.get()).as("replies handed to the wrong read").isZero();
      assertThat(h.reportsSoFar()).as("writes reported between the replies").isNotEmpty().doesNotContain("*lost");
    }
  }

  /** Broadcast keeps no per-key table in Redis, whatever the proxy reads; tracking keeps one entry per key read. */
  @Test
  void redisRemembersThePrefixesNotTheKeysRead() throws Exception {
    for (int i = 0; i < 100; i++) {
      redis.set("user:" + i, "v" + i);
    }
    try (TrackingHarness h = start("user:")) {
      h.awaitUp();
      for (int i = 0; i < 100; i++) {
        assertThat(h.read("user:" + i)).isEqualTo("v" + i);
      }
      assertThat(trackingStat("tracking_total_keys")).isZero();
      assertThat(trackingStat("tracking_total_prefixes")).isEqualTo(1);
    }
    try (TrackingHarness h = new TrackingHarness(Map.of("REDIS_URL", redis.url()))) {
      h.awaitUp();
      for (int i = 0; i < 100; i++) {
        h.read("user:" + i);
      }
      assertThat(trackingStat("tracking_total_keys")).as("the keys tracking mode read").isEqualTo(100);
    }
  }

  @Test
  void everyKeyWithoutPrefixesAFlushAndALostConnectionAreReportedAndBroadcastComesBack() throws Exception {
    try (TrackingHarness h = start("")) {
      h.awaitUp();
      redis.set("anything", "1");
      Await.until(WAIT, "report of anything", () -> h.reports.contains("anything"));
      assertThat(h.cacheable("anything")).isTrue();
      try (Jedis j = redis.client()) {
        j.flushAll();
      }
      Await.until(WAIT, "report of the flush", () -> h.reports.contains("*flush"));
      TrackingRedisReaderIT.killTrackingConnection(redis);
      Await.until(WAIT, "loss reported", () -> h.reports.contains("*lost"));
      h.awaitUp();
      assertThat(trackingStat("tracking_total_prefixes")).as("BCAST on again, for all keys").isEqualTo(1);
      redis.set("again", "2");
      Await.until(WAIT, "report of a write after the reconnect", () -> h.reports.contains("again"));
    }
  }

  @Test
  void anAclUserWithTheTrackingCommandsIsTrackedInBroadcast() throws Exception {
    try (Jedis jedis = redis.client()) {
      jedis.aclSetUser("reader", "on", ">pw", "~user:*", "resetchannels", "-@all", "+getrange", "+pttl", "+get",
          "+ping", "+client|tracking");
      jedis.set("user:1", "v");
    }
    try (TrackingHarness h = new TrackingHarness(Map.of("REDIS_URL", "redis://reader:pw@127.0.0.1:" + redis.port(),
        "CACHE_INVALIDATION", "broadcast", "CACHE_TRACKING_PREFIXES", "user:"))) {
      h.awaitUp();
      assertThat(h.read("user:1")).isEqualTo("v");
      redis.set("user:1", "w");
      Await.until(WAIT, "report of user:1", () -> h.reports.contains("user:1"));
    }
  }

  private long trackingStat(String name) {
    try (Jedis j = redis.client()) {
      String stats = j.info("stats");
      int at = stats.indexOf(name + ":");
      return Long.parseLong(stats.substring(at + name.length() + 1, stats.indexOf('\r', at)));
    }
  }
}
