package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RedisCluster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Canary for the workaround in {@link VertxRedisReader#create}: in Cluster mode it holds one pooled
 * connection per node fewer than {@code REDIS_POOL_SIZE}, so that the slot map's refresh always finds
 * one free. It asserts the bug against a real cluster and so fails once an upgrade fixes it:
 * vertx-redis-client issue #541, fixed by pull request #550 in 5.0.10 (#548 on master).
 *
 * <p>The bug (5.0.7): a held cluster connection's {@code send} waits for the slot map once it has
 * expired, and refreshing it needs a pooled connection; when the held connections hold them all, the
 * refresh, and with it every read, waits for good.
 *
 * <p>A hang can only be seen as "not answered yet": the test waits {@link #HANG_S} for a read that a
 * fixed client answers in milliseconds. The wait can only err one way: on a machine so slow that a
 * fixed client takes longer, the canary stays green one run longer; it never fails while the bug is there.
 */
class ClusterPoolCanaryIT {

  private static final long SLOT_MAP_TTL_MS = 200;
  /** How long a read must stay unanswered to count as hanging. */
  private static final long HANG_S = 5;

  private RedisCluster cluster;
  private Vertx vertx;
  private Redis client;

  @BeforeEach
  void setUp() throws Exception {
    cluster = RedisCluster.start(3);
    vertx = Vertx.vertx();
    client = Redis.createClient(vertx, options(1));
  }

  /** A cluster client with {@code poolSize} pooled connections per node, and a short-lived slot map. */
  private RedisOptions options(int poolSize) {
    RedisOptions options = new RedisOptions().setType(RedisClientType.CLUSTER)
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(poolSize)
        .setHashSlotCacheTTL(SLOT_MAP_TTL_MS);
    for (String node : cluster.seedNodes().split(",")) {
      options.addConnectionString("redis://" + node);
    }
    return options;
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    cluster.close();
  }

  @Test
  void aHeldClusterConnectionHoldingThePoolCannotReadOnceTheSlotMapExpired() throws Exception {
    cluster.set(Map.of("k", "v"));
    RedisConnection held = client.connect().await(10, TimeUnit.SECONDS);
    assertThat(held.send(Request.cmd(Command.GET).arg("k")).await(10, TimeUnit.SECONDS).toString()).isEqualTo("v");

    // The slot map expires while the held connection holds the one pooled connection of every node.
    long expired = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * SLOT_MAP_TTL_MS);
    Await.until(Duration.ofSeconds(10), "the slot map to expire", () -> System.nanoTime() > expired);
    Future<Response> read = held.send(Request.cmd(Command.GET).arg("k"));
    try {
      read.await(HANG_S, TimeUnit.SECONDS);
    } catch (TimeoutException | RuntimeException hangsOrFails) {
      // Expected while the bug is there: the read waits for the slot map for good.
    }

    assertThat(read.isComplete())
        .as("vertx-redis-client#541 is fixed (a held cluster connection reads with the last slot map):"
            + " the workaround in VertxRedisReader.create, one pooled connection per node kept free, can go")
        .isFalse();
  }

  /** The workaround itself: with one pooled connection per node left free, the same read is answered. */
  @Test
  void withOnePooledConnectionPerNodeLeftFreeTheSameReadIsAnswered() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    client = Redis.createClient(vertx, options(2));
    cluster.set(Map.of("k", "v"));
    RedisConnection held = client.connect().await(10, TimeUnit.SECONDS);
    held.send(Request.cmd(Command.GET).arg("k")).await(10, TimeUnit.SECONDS);
    long expired = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * SLOT_MAP_TTL_MS);
    Await.until(Duration.ofSeconds(10), "the slot map to expire", () -> System.nanoTime() > expired);
    assertThat(held.send(Request.cmd(Command.GET).arg("k")).await(HANG_S, TimeUnit.SECONDS).toString()).isEqualTo("v");
  }
}
