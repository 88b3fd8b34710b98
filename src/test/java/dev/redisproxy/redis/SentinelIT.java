package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.RedisSentinelGroup;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

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
      }
      group.awaitReplicated();
      try (ReaderHarness h = new ReaderHarness(env(group))) {
        assertThat(h.read("before")).isEqualTo("written before the failover");
        assertThat(h.read("missing")).isNull();
        assertThat(h.failureOf("a list").failure()).isEqualTo(Failure.REDIS_ERROR);
      }
      try (Jedis j = group.replica().client()) {
        assertThat(j.info("commandstats")).as("reads go to the master, not the replica").doesNotContain("cmdstat_get:");
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

  @Test
  void anUnknownMasterNameFailsWithTheSentinelsAnswer() throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start();
         ReaderHarness h = new ReaderHarness(Map.of(
             "REDIS_SENTINELS", group.sentinelAddresses(), "REDIS_MASTER_NAME", "no-such-master"))) {
      RedisException e = h.failureOf("k");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).contains("No such master").doesNotContain("\n");
    }
  }

  @Test
  void noSentinelListeningIsUnavailable() throws Exception {
    int nobody = RedisProcess.freePort();
    try (ReaderHarness h = new ReaderHarness(Map.of(
        "REDIS_SENTINELS", "127.0.0.1:" + nobody, "REDIS_MASTER_NAME", RedisSentinelGroup.MASTER_NAME))) {
      RedisException e = h.failureOf("k");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).contains("Connection refused").doesNotContain("\n");
    }
  }
}
