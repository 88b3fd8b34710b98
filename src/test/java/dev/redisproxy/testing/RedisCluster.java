package dev.redisproxy.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A Redis Cluster of real {@code redis-server --cluster-enabled yes} processes on loopback: masters
 * that split the 16384 slots evenly, each with one replica. Built with plain cluster commands
 * (SET-CONFIG-EPOCH, ADDSLOTS, MEET, REPLICATE) so that it needs no {@code redis-cli}.
 */
public final class RedisCluster implements AutoCloseable {

  public static final int SLOTS = 16384;
  /** Failure detection is this fast, so a killed master is replaced within seconds. */
  private static final String NODE_TIMEOUT_MS = "1000";
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisProcess> masters = new ArrayList<>();
  private final List<RedisProcess> replicas = new ArrayList<>();

  private RedisCluster() {
  }

  public static RedisCluster start(int masterCount) throws IOException, InterruptedException {
    RedisCluster cluster = new RedisCluster();
    try {
      for (int i = 0; i < masterCount * 2; i++) {
        RedisProcess node = RedisProcess.start(List.of("--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", NODE_TIMEOUT_MS,
            "--repl-diskless-sync-delay", "0"));
        (i < masterCount ? cluster.masters : cluster.replicas).add(node);
      }
      cluster.form();
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private void form() throws InterruptedException {
    List<RedisProcess> all = nodes();
    for (int i = 0; i < all.size(); i++) {
      try (Jedis j = all.get(i).client()) {
        j.clusterSetConfigEpoch(i + 1);
      }
    }
    for (int m = 0; m < masters.size(); m++) {
      int from = firstSlot(m);
      int to = firstSlot(m + 1);
      int[] slots = new int[to - from];
      for (int s = from; s < to; s++) {
        slots[s - from] = s;
      }
      try (Jedis j = masters.get(m).client()) {
        j.clusterAddSlots(slots);
      }
    }
    try (Jedis first = masters.get(0).client()) {
      for (RedisProcess node : all.subList(1, all.size())) {
        first.clusterMeet("127.0.0.1", node.port());
      }
    }
    Await.until(FORM_TIMEOUT, "every node to know every other", () -> all.stream().allMatch(n -> {
      String nodes = clusterNodes(n);
      return nodes.lines().count() == all.size() && !nodes.contains("handshake") && !nodes.contains("noaddr");
    }));
    for (int m = 0; m < masters.size(); m++) {
      String masterId = nodeId(masters.get(m));
      try (Jedis j = replicas.get(m).client()) {
        j.clusterReplicate(masterId);
      }
    }
    awaitHealthy();
  }

  /** Waits until every live node reports {@code cluster_state:ok} and every replica is in sync with its master. */
  public void awaitHealthy() throws InterruptedException {
    Await.until(FORM_TIMEOUT, "the cluster to be healthy", () -> {
      for (RedisProcess n : nodes()) {
        if (!n.running()) {
          continue;
        }
        try (Jedis j = n.client()) {
          if (!j.clusterInfo().contains("cluster_state:ok")) {
            return false;
          }
          String replication = j.info("replication");
          if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
            return false;
          }
        }
      }
      return true;
    });
  }

  /** Writes the keys, each on the master that owns its slot now, pipelined per master. */
  public void set(Map<String, String> values) {
    RedisProcess[] owners = owners();
    Map<RedisProcess, List<Map.Entry<String, String>>> byMaster = values.entrySet().stream()
        .collect(Collectors.groupingBy(e -> owners[JedisClusterCRC16.getSlot(e.getKey())]));
    byMaster.forEach((master, entries) -> {
      try (Jedis j = master.client()) {
        Pipeline p = j.pipelined();
        for (Map.Entry<String, String> e : entries) {
          p.set(e.getKey(), e.getValue());
        }
        for (Object reply : p.syncAndReturnAll()) {
          if (!"OK".equals(reply)) {
            throw new IllegalStateException("seeding the cluster failed: " + reply);
          }
        }
      }
    });
  }

  /** Deletes the keys, each on the master that owns its slot now. */
  public void del(Iterable<String> keys) {
    RedisProcess[] owners = owners();
    for (String key : keys) {
      try (Jedis j = owners[JedisClusterCRC16.getSlot(key)].client()) {
        j.del(key);
      }
    }
  }

  /**
   * The master of each slot now, as a live node answers {@code CLUSTER SLOTS}: after a failover or a
   * resharding, not the one the cluster was formed with.
   */
  public RedisProcess[] owners() {
    RedisProcess asked = nodes().stream().filter(RedisProcess::running).findFirst().orElseThrow();
    RedisProcess[] owners = new RedisProcess[SLOTS];
    try (Jedis j = asked.client()) {
      for (Object range : j.clusterSlots()) {
        List<?> r = (List<?>) range;
        long port = (Long) ((List<?>) r.get(2)).get(1);
        RedisProcess owner = nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
        for (long slot = (Long) r.get(0); slot <= (Long) r.get(1); slot++) {
          owners[(int) slot] = owner;
        }
      }
    }
    return owners;
  }

  /** The masters now, in the order the cluster was formed (a promoted replica in its master's place). */
  public List<RedisProcess> currentMasters() {
    List<RedisProcess> current = new ArrayList<>();
    for (RedisProcess owner : owners()) {
      if (owner != null && !current.contains(owner)) {
        current.add(owner);
      }
    }
    return current;
  }

  /**
   * Moves {@code count} slots from one master to another with {@code redis-cli --cluster reshard}, as an
   * operator would: each slot is set importing and migrating, its keys are moved with MIGRATE, then it
   * is assigned to its new master. Returns when redis-cli is done.
   */
  public void reshard(RedisProcess from, RedisProcess to, int count) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("redis-cli", "--cluster", "reshard", "127.0.0.1:" + from.port(),
        "--cluster-from", nodeId(from), "--cluster-to", nodeId(to), "--cluster-slots", Integer.toString(count),
        "--cluster-yes", "--cluster-pipeline", "100")
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("redis-cli --cluster reshard failed: " + output);
    }
  }

  /** The master that owned the slot when the cluster was formed. */
  public RedisProcess masterForSlot(int slot) {
    int m = 0;
    while (slot >= firstSlot(m + 1)) {
      m++;
    }
    return masters.get(m);
  }

  /** Master {@code m} was given slots {@code firstSlot(m)} up to {@code firstSlot(m + 1)} (exclusive). */
  private int firstSlot(int m) {
    return m * SLOTS / masters.size();
  }

  /** The replica formed under the given master. */
  public RedisProcess replicaOf(RedisProcess master) {
    return replicas.get(masters.indexOf(master));
  }

  /** {@code host:port,...} of the masters, as REDIS_CLUSTER_NODES. */
  public String seedNodes() {
    return masters.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** Waits until every key slot count as written is on the replicas too, so a failover loses nothing. */
  public void awaitReplicated() throws InterruptedException {
    for (RedisProcess master : masters) {
      if (master.running()) {
        try (Jedis j = master.client()) {
          j.waitReplicas(1, 10_000);
        }
      }
    }
  }

  public List<RedisProcess> nodes() {
    List<RedisProcess> all = new ArrayList<>(masters);
    all.addAll(replicas);
    return all;
  }

  private static String clusterNodes(RedisProcess n) {
    try (Jedis j = n.client()) {
      return j.clusterNodes();
    }
  }

  public static String nodeId(RedisProcess n) {
    try (Jedis j = n.client()) {
      return j.clusterMyId();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (RedisProcess n : nodes()) {
      n.close();
    }
  }
}
