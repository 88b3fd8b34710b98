package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.RedisSentinelGroup;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/** Sentinel mode against a real master, replica and three sentinels. */
class SentinelIT {

  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);

  private static Map<String, String> env(RedisSentinelGroup group) {
    return Map.of("REDIS_SENTINELS", group.sentinelAddresses(), "REDIS_MASTER_NAME", RedisSentinelGroup.MASTER_NAME);
  }

  @Test
  void readsFromTheMasterAndFollowsAFailoverWithoutARestart() throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
      group.master().set("before", "written before the failover");
      group.master().set("after", "read after the failover");
      try (Jedis j = group.master().client()) {
        j.rpush("a list", "x");
        j.psetex("expiring", 90_000, "soon");
      }
      group.awaitReplicated();
      try (ReaderHarness h = new ReaderHarness(env(group))) {
        assertThat(h.read("before")).isEqualTo("written before the failover");
        assertThat(h.read("missing")).isNull();
        assertThat(h.failureOf("a list").failure()).isEqualTo(Failure.REDIS_ERROR);
        RedisValue expiring = h.onContext(() -> h.reader.get(Key.of("expiring")));
        assertThat(expiring.value().toString()).isEqualTo("soon");
        assertThat(expiring.ttlMillis()).isBetween(1L, 90_000L);
      }
      try (Jedis j = group.replica().client()) {
        assertThat(j.info("commandstats")).as("reads go to the master, not the replica")
            .doesNotContain("cmdstat_getrange:").doesNotContain("cmdstat_pttl:").doesNotContain("cmdstat_get:");
      }
      try (Jedis j = group.master().client()) {
        // Four reads, and "a list" read twice: its WRONGTYPE is folded by the client's batch, so it is sent again alone.
        assertThat(j.info("commandstats")).as("the TTL is read where the value is").contains("cmdstat_pttl:calls=5,");
      }
      try (InProcessProxy proxy = InProcessProxy.start(env(group))) {
        HttpResponse<String> before = proxy.get("before");
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body()).isEqualTo("written before the failover");

        group.master().kill();
        Await.until(FAILOVER_TIMEOUT, "the proxy to read from the promoted replica", () -> {
          HttpResponse<String> r = proxy.get("after");
          return r.statusCode() == 200 && r.body().equals("read after the failover");
        });
        assertThat(group.masterPortPerSentinels()).isEqualTo(group.replica().port());
      }
    }
  }

  /**
   * A manual failover leaves the old master running, as a replica that still answers GETs: the
   * reader's held connections must move to the new master by themselves (Sentinel closes the old
   * master's client connections, and the reader asks the sentinels again every second).
   */
  @Test
  void aManualFailoverMovesReadsToTheNewMasterThoughTheOldOneKeepsRunning() throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
      group.master().set("k", "v");
      group.awaitReplicated();
      RedisProcess oldMaster = group.master();
      RedisProcess newMaster = group.replica();
      try (ReaderHarness h = new ReaderHarness(env(group))) {
        assertThat(h.read("k")).isEqualTo("v");
        assertThat(getCalls(newMaster)).isZero();
        try (Jedis sentinel = new Jedis("127.0.0.1", Integer.parseInt(group.sentinelAddresses().split("[:,]")[1]))) {
          sentinel.sendCommand(Protocol.Command.SENTINEL, "FAILOVER", RedisSentinelGroup.MASTER_NAME);
        }
        Await.until(FAILOVER_TIMEOUT, "reads to reach the new master", () -> {
          long before = getCalls(newMaster);
          return "v".equals(h.read("k")) && getCalls(newMaster) > before;
        });
        long oldMasterGets = getCalls(oldMaster);
        for (int i = 0; i < 10; i++) {
          assertThat(h.read("k")).isEqualTo("v");
        }
        assertThat(getCalls(oldMaster)).as("reads the old master got after the move").isEqualTo(oldMasterGets);
      }
      assertThat(oldMaster.running()).as("the old master kept running").isTrue();
    }
  }

  private static long getCalls(RedisProcess node) {
    try (Jedis j = node.client()) {
      String stats = j.info("commandstats");
      // A read is GETRANGE and PTTL (see ValueRead).
      String calls = "cmdstat_getrange:calls=";
      int at = stats.indexOf(calls);
      return at < 0 ? 0 : Long.parseLong(stats.substring(at + calls.length(), stats.indexOf(',', at)));
    }
  }

  @Test
  void anUnknownMasterNameFailsWithTheSentinelsAnswer() throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start();
         ReaderHarness h = new ReaderHarness(Map.of(
             "REDIS_SENTINELS", group.sentinelAddresses(), "REDIS_MASTER_NAME", "no-such-master"))) {
      LookupException e = h.failureOf("k");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).contains("No such master").doesNotContain("\n");
    }
  }

  @Test
  void noSentinelListeningIsUnavailable() throws Exception {
    int nobody = RedisProcess.freePort();
    try (ReaderHarness h = new ReaderHarness(Map.of(
        "REDIS_SENTINELS", "127.0.0.1:" + nobody, "REDIS_MASTER_NAME", RedisSentinelGroup.MASTER_NAME))) {
      LookupException e = h.failureOf("k");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).contains("Connection refused").doesNotContain("\n");
    }
  }
}
