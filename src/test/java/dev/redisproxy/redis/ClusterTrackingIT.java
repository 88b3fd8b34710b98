package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RedisCluster;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.WriteHistory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * {@code CACHE_INVALIDATION=tracking} and {@code broadcast} with {@code REDIS_CLUSTER_NODES}: the whole
 * proxy in-process in front of three real masters with a replica each, read over RESP. Values are
 * cached for an hour ({@code CACHE_TTL}), so a new value seen through the proxy after a write can only
 * come from an invalidation; a lost one would leave the old value for the hour.
 */
class ClusterTrackingIT {

  /**
   * How long a write may take to show through the proxy: far above what tracking needs on loopback
   * (a round trip), and far below CACHE_TTL, which is what a missed invalidation costs.
   */
  private static final Duration FRESH = Duration.ofSeconds(3);
  /** A guard for what the test waits for (a failover, the cache filling), not a timing assertion. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int MGET_BATCH = 1000;
  /** How much older than the last acknowledged write a value read under writes may be; see FRESH. */
  private static final Duration BOUND = FRESH;

  private RedisCluster cluster;
  private ProxyFixture proxy;
  private RawConnection resp;

  @BeforeEach
  void setUp() throws Exception {
    cluster = RedisCluster.start(3);
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (resp != null) {
        resp.close();
      }
      if (proxy != null) {
        proxy.close();
      }
    } finally {
      cluster.close();
    }
  }

  private void startProxy(String invalidation, Map<String, String> more) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("REDIS_CLUSTER_NODES", cluster.seedNodes(),
        "CACHE_INVALIDATION", invalidation, "CACHE_TTL", "1h", "CACHE_MAXSIZE", "20000", "REDIS_TIMEOUT", "2s"));
    env.putAll(more);
    proxy = ProxyFixture.withoutRedis().withResp().with(env).start();
    resp = RawConnection.plain(proxy.respPort());
  }

  /** One key per hash slot, with a value that names the key and a version. */
  private static Map<String, String> keyInEverySlot(int version) {
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
    return versioned(List.of(bySlot), version);
  }

  private static Map<String, String> versioned(List<String> keys, int version) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : keys) {
      values.put(key, key + "|" + version);
    }
    return values;
  }

  /** {@code count} keys owned by {@code master} now. */
  private List<String> keysOn(RedisProcess master, int count) {
    RedisProcess[] owners = cluster.owners();
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < count; i++) {
      String key = "on:" + master.port() + ":" + i;
      if (owners[JedisClusterCRC16.getSlot(key)] == master) {
        keys.add(key);
      }
    }
    return keys;
  }

  /** The values the proxy serves for the keys, by MGET in batches; null for a missing key. */
  private List<String> mget(List<String> keys) throws IOException {
    List<String> values = new ArrayList<>(keys.size());
    for (int from = 0; from < keys.size(); from += MGET_BATCH) {
      List<String> batch = keys.subList(from, Math.min(keys.size(), from + MGET_BATCH));
      List<String> args = new ArrayList<>(List.of("MGET"));
      args.addAll(batch);
      RawConnection.Reply reply = resp.call(args.toArray(String[]::new));
      assertThat(reply.isError()).as("%s", reply).isFalse();
      reply.elements().forEach(e -> values.add(e.text()));
    }
    return values;
  }

  private long info(String field) throws IOException {
    String info = resp.call("INFO", "cache").text();
    return Long.parseLong(info.replaceAll("(?s).*" + field + ":(\\d+).*", "$1"));
  }

  /**
   * Reads the keys until they all are served right and, on the next read, the existing ones (a missing
   * key is not cached) all from the cache: tracking is up on every master, and what follows is a hit.
   */
  private void awaitCached(Map<String, String> values) throws InterruptedException {
    List<String> keys = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    values.forEach((k, v) -> {
      if (v != null) {
        keys.add(k);
        expected.add(v);
      }
    });
    Await.until(WAIT, "every key read and cached", () -> {
      assertThat(mget(keys)).isEqualTo(expected);
      long hits = info("cache_hits");
      assertThat(mget(keys)).isEqualTo(expected);
      return info("cache_hits") - hits == keys.size();
    });
  }

  /** Waits until the proxy serves exactly these values. */
  private void awaitServed(String what, Map<String, String> values) throws InterruptedException {
    List<String> keys = new ArrayList<>(values.keySet());
    List<String> expected = new ArrayList<>(values.values());
    Await.until(FRESH, what, () -> mget(keys).equals(expected));
  }

  private static Map<String, String> missing(Iterable<String> keys) {
    Map<String, String> none = new LinkedHashMap<>();
    keys.forEach(k -> none.put(k, null));
    return none;
  }

  /** A key in every slot, and keys whose slot is their hash tag's ({@code {user:7}.name}). */
  private static Map<String, String> everySlotAndHashTags(int version) {
    Map<String, String> values = keyInEverySlot(version);
    List<String> tagged = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      tagged.add("{user:" + i + "}.name");
      tagged.add("x{user:" + i + "}.mail");
    }
    values.putAll(versioned(tagged, version));
    return values;
  }

  @Test
  void writesDeletesAndFlushesOnEveryMasterAreSeenThroughTheProxy() throws Exception {
    Map<String, String> first = everySlotAndHashTags(0);
    cluster.set(first);
    startProxy("tracking", Map.of());
    awaitCached(first);
    for (RedisProcess master : cluster.currentMasters()) {
      try (Jedis j = master.client()) {
        assertThat(j.info("stats")).as("master %d tracks the keys the proxy read there", master.port())
            .containsPattern("tracking_total_keys:[1-9]");
      }
    }
    Map<String, String> second = everySlotAndHashTags(1);
    cluster.set(second);
    awaitServed("the new value of a key in every slot", second);

    awaitCached(second);
    List<String> deleted = new ArrayList<>();
    for (RedisProcess master : cluster.currentMasters()) {
      deleted.addAll(keysAmong(second.keySet(), master, 20));
    }
    cluster.del(deleted);
    Map<String, String> afterDelete = new LinkedHashMap<>(second);
    deleted.forEach(k -> afterDelete.put(k, null));
    awaitServed("deleted keys gone on every master", afterDelete);

    awaitCached(afterDelete);
    for (RedisProcess master : cluster.currentMasters()) {
      try (Jedis j = master.client()) {
        j.flushAll();
      }
    }
    awaitServed("every key gone after FLUSHALL on every master", missing(second.keySet()));
    assertThat(info("cache_tracking_connection_losses"))
        .as("no read was redirected and no connection lost: each went to its key's master").isZero();
  }

  /** The first {@code count} of the keys that {@code master} owns now. */
  private List<String> keysAmong(Iterable<String> keys, RedisProcess master, int count) {
    RedisProcess[] owners = cluster.owners();
    List<String> on = new ArrayList<>();
    for (String key : keys) {
      if (on.size() < count && owners[JedisClusterCRC16.getSlot(key)] == master) {
        on.add(key);
      }
    }
    return on;
  }

  private List<String> keysOnEveryMaster(int perMaster) {
    List<String> keys = new ArrayList<>();
    for (RedisProcess master : cluster.currentMasters()) {
      keys.addAll(keysOn(master, perMaster));
    }
    return keys;
  }

  private static boolean isMaster(RedisProcess node) {
    try (Jedis j = node.client()) {
      return j.info("replication").contains("role:master");
    }
  }

  @Test
  void aKilledMastersReplicaTakesOverAndIsTrackedThere() throws Exception {
    RedisProcess doomed = cluster.masterForSlot(0);
    RedisProcess replica = cluster.replicaOf(doomed);
    List<String> keys = keysOnEveryMaster(50);
    cluster.set(versioned(keys, 0));
    cluster.awaitReplicated();
    startProxy("tracking", Map.of());
    awaitCached(versioned(keys, 0));
    doomed.kill();
    Await.until(WAIT, "the replica promoted", () -> isMaster(replica) && cluster.owners()[0] == replica);
    cluster.awaitHealthy();
    awaitCached(versioned(keys, 0));
    cluster.set(versioned(keys, 1));
    awaitServed("new values on every master, the promoted replica too", versioned(keys, 1));
    assertThat(info("cache_tracking_connection_losses")).as("the killed master's connection").isPositive();
  }

  /**
   * The promoted replica sends the proxy no MOVED (the proxy only has hits), and the old master keeps its
   * connection: the values cached from it must still give way to writes on the new master.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tracking", "broadcast"})
  void aManualFailoverMovesTrackingToThePromotedReplica(String invalidation) throws Exception {
    RedisProcess master = cluster.masterForSlot(RedisCluster.SLOTS / 2);
    RedisProcess replica = cluster.replicaOf(master);
    List<String> keys = keysOnEveryMaster(50);
    int slot = JedisClusterCRC16.getSlot(keysOn(master, 1).get(0));
    cluster.set(versioned(keys, 0));
    cluster.awaitReplicated();
    startProxy(invalidation, Map.of());
    awaitCached(versioned(keys, 0));
    try (Jedis j = replica.client()) {
      assertThat(j.clusterFailover()).isEqualTo("OK");
    }
    Await.until(WAIT, "the replica promoted", () -> isMaster(replica) && cluster.owners()[slot] == replica);
    cluster.set(versioned(keys, 1));
    awaitServed("values written on the promoted replica, over those cached from its old master", versioned(keys, 1));
    awaitCached(versioned(keys, 1));
    cluster.set(versioned(keys, 2));
    awaitServed("values written after tracking moved to the promoted replica", versioned(keys, 2));
    cluster.awaitHealthy();
  }

  /**
   * {@code redis-cli --cluster reshard} moves 300 slots while a writer overwrites keys in 600 of the source's
   * slots (half of them moving) and a reader reads them all through the proxy. Every value read is
   * model-checked (the key's own, no older than the last write acknowledged {@link #BOUND} before the
   * read); afterwards writes are seen where the slots now live.
   */
  @Test
  void reshardingUnderWritesAndReadsServesNothingStaleAndTrackingFollowsTheSlots() throws Exception {
    List<RedisProcess> masters = cluster.currentMasters();
    RedisProcess from = masters.get(0);
    RedisProcess to = masters.get(1);
    List<String> keys = keysAmong(keyInEverySlot(0).keySet(), from, 600);
    List<WriteHistory> history = new ArrayList<>();
    HostAndPort seed = new HostAndPort("127.0.0.1", from.port());
    try (JedisCluster jedis = new JedisCluster(seed, 5_000)) {
      for (String key : keys) {
        history.add(new WriteHistory(key));
        history.get(history.size() - 1).write(jedis::set);
      }
    }
    startProxy("tracking", Map.of());
    awaitCached(versioned(keys, 0));
    AtomicBoolean running = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Observation> seen = new ConcurrentLinkedQueue<>();
    Thread writer = new Thread(() -> {
      java.util.Random random = new java.util.Random(5);
      try (JedisCluster jedis = new JedisCluster(seed, 5_000)) {
        while (running.get()) {
          history.get(random.nextInt(history.size())).write(jedis::set);
        }
      } catch (InterruptedException | RuntimeException e) {
        failures.add(e);
      }
    });
    Thread reader = new Thread(() -> {
      try (RawConnection conn = RawConnection.plain(proxy.respPort())) {
        List<String> args = new ArrayList<>(List.of("MGET"));
        args.addAll(keys);
        while (running.get()) {
          long start = System.nanoTime();
          List<RawConnection.Reply> values = conn.call(args.toArray(String[]::new)).elements();
          long end = System.nanoTime();
          for (int i = 0; i < values.size(); i++) {
            seen.add(new Observation(i, values.get(i).text(), start, end));
          }
        }
      } catch (IOException | RuntimeException e) {
        failures.add(e);
      }
    });
    writer.start();
    reader.start();
    try {
      cluster.reshard(from, to, 300);
    } finally {
      running.set(false);
      writer.join();
      reader.join();
    }
    assertThat(failures).isEmpty();
    assertThat(keysAmong(keys, to, keys.size())).as("keys whose slot moved").hasSize(300);
    assertThat(seen).as("values read during the resharding").hasSizeGreaterThan(keys.size());
    for (Observation o : seen) {
      history.get(o.key()).check(o.value(), o.start(), o.end(), BOUND, "read during the resharding");
    }
    Map<String, String> last = new LinkedHashMap<>();
    history.forEach(h -> last.put(h.key(), h.key() + "|" + (h.count() - 1)));
    awaitServed("the last value written to each key", last);
    awaitCached(last);
    Map<String, String> after = versioned(keys, 1_000_000);
    cluster.set(after);
    awaitServed("values written after tracking moved with the slots", after);
  }

  /** One value read through the proxy: of which key, and when the read began and ended. */
  private record Observation(int key, String value, long start, long end) {
  }

  @Test
  void broadcastReportsEveryWriteOnEveryMasterWhileAWriterWrites() throws Exception {
    List<String> keys = new ArrayList<>(keyInEverySlot(0).keySet()).subList(0, 2000);
    cluster.set(versioned(keys, 0));
    startProxy("broadcast", Map.of("CACHE_TRACKING_PREFIXES", "key:"));
    awaitCached(versioned(keys, 0));
    assertThat(info("cache_tracking_up")).as("INFO cache reports broadcast tracking as up").isEqualTo(1);
    for (RedisProcess master : cluster.currentMasters()) {
      try (Jedis j = master.client()) {
        assertThat(j.info("stats")).as("master %d: a prefix, no key remembered", master.port())
            .contains("tracking_total_keys:0").contains("tracking_total_prefixes:1");
      }
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    Map<String, String> last = new java.util.concurrent.ConcurrentHashMap<>(versioned(keys, 0));
    Thread writer = new Thread(() -> {
      java.util.Random random = new java.util.Random(3);
      for (int n = 1; writing.get(); n++) {
        Map<String, String> batch = new HashMap<>();
        for (int i = 0; i < 50; i++) {
          String key = keys.get(random.nextInt(keys.size()));
          batch.put(key, key + "|" + n);
        }
        cluster.set(batch);
        last.putAll(batch);
      }
    });
    writer.start();
    try {
      for (int round = 0; round < 20; round++) {
        List<String> served = mget(keys);
        for (int i = 0; i < keys.size(); i++) {
          assertThat(served.get(i)).as("the key's own value").startsWith(keys.get(i) + "|");
        }
      }
    } finally {
      writing.set(false);
      writer.join();
    }
    Map<String, String> expected = new LinkedHashMap<>();
    keys.forEach(k -> expected.put(k, last.get(k)));
    awaitServed("the last value written to each key, on every master", expected);

    String outside = "other:1";
    cluster.set(Map.of(outside, "1"));
    assertThat(mget(List.of(outside, outside))).containsExactly("1", "1");
    long hits = info("cache_hits");
    assertThat(mget(List.of(outside))).containsExactly("1");
    assertThat(info("cache_hits")).as("a key outside the prefixes, which no master reports, is not cached").isEqualTo(hits);
    cluster.set(Map.of(outside, "2"));
    assertThat(mget(List.of(outside))).containsExactly("2");
  }

  @Test
  void aLostTrackingConnectionDropsTheCacheAndIsReopened() throws Exception {
    List<String> keys = keysOnEveryMaster(20);
    cluster.set(versioned(keys, 0));
    startProxy("tracking", Map.of());
    awaitCached(versioned(keys, 0));
    RedisProcess master = cluster.currentMasters().get(1);
    try (Jedis j = master.client()) {
      String id = j.clientList().lines().filter(l -> l.contains("name=" + TrackingConnection.CLIENT_NAME))
          .map(l -> l.replaceAll("^id=(\\d+) .*", "$1")).findFirst().orElseThrow();
      j.clientKill(new redis.clients.jedis.params.ClientKillParams().id(id));
    }
    Await.until(WAIT, "the loss counted", () -> info("cache_tracking_connection_losses") >= 1);
    assertThat(info("cache_keys")).as("dropped with the connection").isZero();
    awaitCached(versioned(keys, 0));
    cluster.set(versioned(keys, 1));
    awaitServed("writes on the master whose connection was reopened", versioned(keys, 1));
  }

  /** A master that stops answering (SIGSTOP) is dropped after REDIS_TIMEOUT without a PONG, and tracked again once back. */
  @Test
  void aSilentMasterIsDroppedAfterRedisTimeoutAndTrackedAgainOnceItAnswers() throws Exception {
    List<String> keys = keysOnEveryMaster(20);
    cluster.set(versioned(keys, 0));
    startProxy("tracking", Map.of("REDIS_TIMEOUT", "300ms"));
    awaitCached(versioned(keys, 0));
    RedisProcess master = cluster.currentMasters().get(2);
    master.pause(true);
    try {
      Await.until(WAIT, "the silent master's connection dropped", () -> info("cache_tracking_up") == 0);
      assertThat(info("cache_keys")).as("dropped with the connection").isZero();
    } finally {
      master.pause(false);
    }
    cluster.awaitHealthy();
    awaitCached(versioned(keys, 0));
    cluster.set(versioned(keys, 1));
    awaitServed("writes after the master answered again (or its replica took over)", versioned(keys, 1));
  }

  /** The ACL that docs/security.md gives the proxy's user for Cluster tracking, on every node: nothing more is needed. */
  @Test
  void theDocumentedAclIsEnough() throws Exception {
    for (RedisProcess node : cluster.nodes()) {
      try (Jedis j = node.client()) {
        j.aclSetUser("proxy", "on", ">pw", "~*", "resetchannels", "-@all", "+getrange", "+pttl", "+get", "+ping",
            "+client|tracking", "+cluster|slots");
      }
    }
    List<String> keys = keysOnEveryMaster(10);
    cluster.set(versioned(keys, 0));
    startProxy("tracking", Map.of("REDIS_USER", "proxy", "REDIS_PASSWORD", "pw"));
    awaitCached(versioned(keys, 0));
    cluster.set(versioned(keys, 1));
    awaitServed("writes seen by a proxy whose user has only the documented ACL", versioned(keys, 1));
  }
}
