package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.RedisCluster;
import dev.redisproxy.testing.RedisProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/** Cluster mode against three real masters with one replica each. */
class ClusterIT {

  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);

  private RedisCluster cluster;

  @BeforeEach
  void setUp() throws Exception {
    cluster = RedisCluster.start(3);
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private Map<String, String> env() {
    return Map.of("REDIS_CLUSTER_NODES", cluster.seedNodes(), "REDIS_TIMEOUT", "5s");
  }

  /** One key per hash slot, with a value that names it. */
  private static Map<String, String> keyInEverySlot() {
    String[] bySlot = new String[RedisCluster.SLOTS];
    int found = 0;
    for (int i = 0; found < bySlot.length; i++) {
      String key = "key:" + i;
      int slot = JedisClusterCRC16.getSlot(key);
      if (bySlot[slot] == null) {
        bySlot[slot] = key;
        found++;
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : bySlot) {
      values.put(key, "value of " + key);
    }
    return values;
  }

  /** A few keys owned by the given master, with values. */
  private Map<String, String> keysOn(RedisProcess master, int count) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; values.size() < count; i++) {
      String key = "on:" + master.port() + ":" + i;
      if (cluster.masterForSlot(JedisClusterCRC16.getSlot(key)) == master) {
        values.put(key, "value of " + key);
      }
    }
    return values;
  }

  /**
   * Also the regression test for vertx-redis-client's slot-refresh deadlock (see VertxRedisReader):
   * 256 reads at a time on the held connections, for longer than the 1 s slot map lifetime, whose
   * refresh needs a pooled connection that no read holds.
   */
  @Test
  void keysInAllSlotsReadCorrectlyAndErrorsKeepTheirClass() throws Exception {
    Map<String, String> values = keyInEverySlot();
    cluster.set(values);
    List<String> keys = new ArrayList<>(values.keySet());
    try (ReaderHarness h = new ReaderHarness(env())) {
      assertThat(h.readAll(keys, 256)).containsExactlyElementsOf(values.values());
      assertThat(h.read("no such key")).isNull();
      try (Jedis j = cluster.masterForSlot(JedisClusterCRC16.getSlot("a list")).client()) {
        j.rpush("a list", "x");
      }
      LookupException wrongType = h.failureOf("a list");
      assertThat(wrongType.failure()).isEqualTo(Failure.REDIS_ERROR);
      assertThat(wrongType.getMessage()).startsWith("WRONGTYPE");
    }
    readsEachKeysTimeToLiveFromItsOwnNode();
    try (InProcessProxy proxy = InProcessProxy.start(env())) {
      for (int slot : new int[] {0, RedisCluster.SLOTS / 2, RedisCluster.SLOTS - 1}) {
        String key = keys.get(slot);
        HttpResponse<String> r = proxy.get(key);
        assertThat(r.statusCode()).as("slot %d", slot).isEqualTo(200);
        assertThat(r.body()).isEqualTo(values.get(key));
      }
      assertThat(proxy.get("no such key").statusCode()).isEqualTo(404);
    }
  }

  /** Keys on every master, each with its own TTL: each read's PTTL ran where its key lives, beside its GETRANGE. */
  private void readsEachKeysTimeToLiveFromItsOwnNode() throws Exception {
    List<RedisProcess> masters = cluster.nodes().subList(0, 3);
    Map<String, Long> ttls = new LinkedHashMap<>();
    for (RedisProcess master : masters) {
      try (Jedis j = master.client()) {
        j.configResetStat();
        for (String key : keysOn(master, 4).keySet()) {
          long ttl = 100_000L * (ttls.size() + 1);
          j.psetex(key, ttl, "v");
          ttls.put(key, ttl);
        }
      }
    }
    try (ReaderHarness h = new ReaderHarness(env())) {
      for (Map.Entry<String, Long> e : ttls.entrySet()) {
        RedisValue v = h.onContext(() -> h.reader.get(Key.of(e.getKey())));
        assertThat(v.value().toString()).isEqualTo("v");
        assertThat(v.ttlMillis()).as(e.getKey()).isBetween(e.getValue() - 50_000, e.getValue());
      }
    }
    for (RedisProcess master : masters) {
      try (Jedis j = master.client()) {
        String stats = j.info("commandstats");
        assertThat(stats).as("node %d", master.port()).contains("cmdstat_pttl:calls=4,").contains("cmdstat_getrange:calls=4,");
      }
    }
  }

  @Test
  void anAclUserNeedsTheReadCommandsAndClusterSlotsOnly() throws Exception {
    Map<String, String> values = keysOn(cluster.masterForSlot(0), 3);
    values.putAll(keysOn(cluster.masterForSlot(RedisCluster.SLOTS - 1), 3));
    cluster.set(values);
    for (RedisProcess node : cluster.nodes()) {
      try (Jedis j = node.client()) {
        j.aclSetUser("reader", "on", ">pw", "~*", "resetchannels", "-@all", "+getrange", "+pttl", "+get", "+cluster|slots");
        j.aclSetUser("getter", "on", ">pw", "~*", "resetchannels", "-@all", "+getrange", "+pttl", "+get");
      }
    }
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_CLUSTER_NODES", cluster.seedNodes(),
        "REDIS_USER", "reader", "REDIS_PASSWORD", "pw"))) {
      assertThat(h.readAll(new ArrayList<>(values.keySet()), 6)).containsExactlyElementsOf(values.values());
    }
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_CLUSTER_NODES", cluster.seedNodes(),
        "REDIS_USER", "getter", "REDIS_PASSWORD", "pw"))) {
      LookupException e = h.failureOf(values.keySet().iterator().next());
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).startsWith(RedisFailures.Problem.SET_UP.summary).contains("'cluster|slots'");
    }
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_CLUSTER_NODES", cluster.seedNodes(),
        "REDIS_USER", "reader", "REDIS_PASSWORD", "wrong"))) {
      assertThat(h.failureOf("k").getMessage()).startsWith(RedisFailures.Problem.CREDENTIALS.summary).contains("WRONGPASS");
    }
  }

  @Test
  void whenAMasterDiesItsReplicaTakesOverAndReadsResumeWithoutARestart() throws Exception {
    RedisProcess doomed = cluster.masterForSlot(0);
    Map<String, String> values = new LinkedHashMap<>();
    cluster.nodes().subList(0, 3).forEach(m -> values.putAll(keysOn(m, 20)));
    cluster.set(values);
    cluster.awaitReplicated();
    List<String> keys = new ArrayList<>(values.keySet());
    try (ReaderHarness h = new ReaderHarness(env())) {
      assertThat(h.readAll(keys, 16)).containsExactlyElementsOf(values.values());
      doomed.kill();
      Await.until(FAILOVER_TIMEOUT, "reads of every key after the failover",
          () -> h.readAll(keys, 16).equals(new ArrayList<>(values.values())));
    }
    try (Jedis j = cluster.replicaOf(doomed).client()) {
      assertThat(j.info("replication")).as("the replica was promoted").contains("role:master");
    }
  }

  @Test
  void aManualFailoverUnderReadsServesEveryReadCorrectly() throws Exception {
    RedisProcess master = cluster.masterForSlot(RedisCluster.SLOTS / 2);
    RedisProcess replica = cluster.replicaOf(master);
    Map<String, String> values = keysOn(master, 50);
    cluster.set(values);
    cluster.awaitReplicated();
    List<String> keys = new ArrayList<>(values.keySet());
    List<String> expected = new ArrayList<>(values.values());
    try (ReaderHarness h = new ReaderHarness(env())) {
      assertThat(h.readAll(keys, 10)).isEqualTo(expected);
      try (Jedis j = replica.client()) {
        assertThat(j.clusterFailover()).isEqualTo("OK");
      }
      int batchesAfter = 0;
      long deadline = System.nanoTime() + FAILOVER_TIMEOUT.toNanos();
      while (batchesAfter < 20) {
        assertThat(System.nanoTime()).as("failover finished in time").isLessThan(deadline);
        assertThat(h.readAll(keys, 10)).as("reads during and after the failover").isEqualTo(expected);
        if (isMaster(replica)) {
          batchesAfter++;
        }
      }
    }
    cluster.awaitHealthy();
  }

  private static boolean isMaster(RedisProcess node) {
    try (Jedis j = node.client()) {
      return j.info("replication").contains("role:master");
    }
  }
}
