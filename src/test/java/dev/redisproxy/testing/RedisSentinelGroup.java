package dev.redisproxy.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * A Sentinel deployment of real processes on loopback: a master, one replica, and three
 * {@code redis-server --sentinel} processes (quorum 2) with short detection and failover times, so
 * that killing the master promotes the replica within seconds.
 */
public final class RedisSentinelGroup implements AutoCloseable {

  public static final String MASTER_NAME = "mymaster";
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
  /** Replicas start their full sync at once instead of after Redis's default 5 s. */
  private static final List<String> NO_SYNC_DELAY = List.of("--repl-diskless-sync-delay", "0");

  private final RedisProcess master;
  private final RedisProcess replica;
  private final List<RedisProcess> sentinels = new ArrayList<>();

  private RedisSentinelGroup(RedisProcess master, RedisProcess replica) {
    this.master = master;
    this.replica = replica;
  }

  public static RedisSentinelGroup start() throws IOException, InterruptedException {
    RedisProcess master = RedisProcess.start(NO_SYNC_DELAY);
    RedisProcess replica = null;
    RedisSentinelGroup group = null;
    try {
      List<String> replicaArgs = new ArrayList<>(NO_SYNC_DELAY);
      replicaArgs.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
      replica = RedisProcess.start(replicaArgs);
      group = new RedisSentinelGroup(master, replica);
      String config = "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2\n"
          + "sentinel down-after-milliseconds " + MASTER_NAME + " 500\n"
          + "sentinel failover-timeout " + MASTER_NAME + " 5000\n";
      for (int i = 0; i < 3; i++) {
        group.sentinels.add(RedisProcess.startWithConfig(RedisProcess.freePort(), config, List.of("--sentinel")));
      }
      group.awaitSettled();
      return group;
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      if (group != null) {
        group.close();
      } else {
        master.close();
        if (replica != null) {
          replica.close();
        }
      }
      throw e;
    }
  }

  /** Waits until the replica is in sync and every sentinel knows the replica and the other sentinels. */
  private void awaitSettled() throws InterruptedException {
    Await.until(SETTLE_TIMEOUT, "the replica to be in sync", () -> {
      try (Jedis j = replica.client()) {
        return j.info("replication").contains("master_link_status:up");
      }
    });
    Await.until(SETTLE_TIMEOUT, "the sentinels to know each other and the replica", () -> {
      for (RedisProcess s : sentinels) {
        try (Jedis j = s.client()) {
          List<?> others = (List<?>) j.sendCommand(Protocol.Command.SENTINEL, "SENTINELS", MASTER_NAME);
          List<?> replicas = (List<?>) j.sendCommand(Protocol.Command.SENTINEL, "REPLICAS", MASTER_NAME);
          if (others.size() != sentinels.size() - 1 || replicas.size() != 1) {
            return false;
          }
        }
      }
      return true;
    });
  }

  public RedisProcess master() {
    return master;
  }

  public RedisProcess replica() {
    return replica;
  }

  /** {@code host:port,...} of the sentinels, as REDIS_SENTINELS. */
  public String sentinelAddresses() {
    return sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
  }

  /** The port of the master according to the first sentinel that answers. */
  public int masterPortPerSentinels() {
    for (RedisProcess s : sentinels) {
      try (Jedis j = s.client()) {
        return Integer.parseInt(j.sentinelGetMasterAddrByName(MASTER_NAME).get(1));
      } catch (RuntimeException tryNext) {
        // this sentinel does not answer; ask the next
      }
    }
    throw new IllegalStateException("no sentinel answers");
  }

  /** Waits until what is written to the master so far is on the replica too. */
  public void awaitReplicated() {
    try (Jedis j = master.client()) {
      j.waitReplicas(1, 10_000);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (RedisProcess s : sentinels) {
      s.close();
    }
    replica.close();
    master.close();
  }
}
