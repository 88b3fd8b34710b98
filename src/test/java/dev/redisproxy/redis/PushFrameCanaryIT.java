package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Canary for the workaround {@link TrackingConnection}: it asserts the bug of vertx-redis-client
 * (5.0.7, still so in 5.0.12 and on master) that the workaround exists for, against a real Redis, and
 * so fails once an upgrade fixes it. No upstream issue for it was found.
 *
 * <p>The bug: on a held RESP3 connection, {@code RedisStandaloneConnection.handle} takes the oldest
 * waiting command off its queue before it looks at the frame's type, so a push frame (a tracking
 * {@code invalidate}) that arrives while a command waits goes to the connection's handler and the
 * command it displaced never completes; that command's own reply then arrives with nobody waiting and
 * goes to the handler too. With pipelined reads, every later reply would complete the command before
 * its own.
 */
class PushFrameCanaryIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private RedisProcess redis;
  private Vertx vertx;
  private Redis client;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url()));
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    redis.close();
  }

  @Test
  void aPushFrameArrivingWhileACommandWaitsTakesThatCommandsPlace() throws Exception {
    redis.set("tracked", "v1");
    List<Response> handled = new CopyOnWriteArrayList<>();
    RedisConnection conn = client.connect().await(10, TimeUnit.SECONDS);
    conn.handler(handled::add);
    conn.send(Request.cmd(Command.CLIENT).arg("TRACKING").arg("ON")).await(10, TimeUnit.SECONDS);
    conn.send(Request.cmd(Command.GET).arg("tracked")).await(10, TimeUnit.SECONDS);

    // A command that waits on the connection until the test answers it: BLPOP on an empty list.
    Future<Response> waiting = conn.send(Request.cmd(Command.BLPOP).arg("list").arg(30));
    Await.until(WAIT, "BLPOP to block", () -> blockedClients() == 1);
    try (Jedis other = redis.client()) {
      other.set("tracked", "v2");
      Await.until(WAIT, "the invalidate push", () -> !handled.isEmpty());
      other.lpush("list", "x");
    }
    Await.until(WAIT, "BLPOP's reply to arrive", () -> waiting.isComplete() || handled.size() == 2);

    assertThat(handled.get(0).type()).isEqualTo(ResponseType.PUSH);
    assertThat(waiting.isComplete())
        .as("vertx-redis-client now answers a command that waited while a push frame arrived:"
            + " the workaround TrackingConnection (our own RESP3 tracking connection) can go;"
            + " TrackingRedisReader can read over a held RedisConnection with a push handler")
        .isFalse();
    assertThat(handled.get(1).toString()).as("the displaced command's reply went to the push handler")
        .contains("list").contains("x");
  }

  private int blockedClients() {
    try (Jedis j = redis.client()) {
      String clients = j.info("clients");
      int at = clients.indexOf("blocked_clients:");
      return Integer.parseInt(clients.substring(at + "blocked_clients:".length()).split("\\s")[0]);
    }
  }
}
