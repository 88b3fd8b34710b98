package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.TcpRelay;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reader's pool after its connections went silent without closing (a Redis host gone, a
 * partition), through a {@link TcpRelay}: the reads stuck on them end, and once Redis accepts
 * connections again reads succeed, without a restart. Without {@link RenewingRedis} the stuck
 * reads never end and every later read waits behind them for good.
 */
class RenewingRedisIT {

  private static final long TIMEOUT_MS = 300;
  /** Bound on how long a read may stay unfinished: a deadline against a hang, with a wide margin. */
  private static final long DEADLINE_S = 10;

  private RedisProcess redis;
  private TcpRelay relay;
  private Vertx vertx;
  // One context for every call, as the cache verticle has: the reader's state is not thread-safe.
  private Context context;
  private VertxRedisReader reader;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    relay = TcpRelay.start(redis.port());
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  private void startReader(String redisTimeout) {
    reader = VertxRedisReader.create(vertx, ConfigLoader.load(null,
        Map.of("REDIS_URL", relay.url(), "REDIS_TIMEOUT", redisTimeout)));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (reader != null) {
      onContext(reader::close);
    }
    vertx.close().await();
    relay.close();
    redis.close();
  }

  @Test
  void readsStuckOnSilentConnectionsEndAndReadsSucceedOnceRedisAcceptsAgain() throws Exception {
    startReader(TIMEOUT_MS + "ms");
    redis.set("k", "v");
    assertThat(readAll(16)).allMatch(v -> v.toString().equals("v"));

    relay.blackhole();
    List<CompletableFuture<Buffer>> stuck = startReads(16);
    for (CompletableFuture<Buffer> read : stuck) {
      try {
        read.get(DEADLINE_S, TimeUnit.SECONDS);
        throw new AssertionError("a read through a silent connection cannot succeed");
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(LookupException.class);
        // Not a timeout: the deadline is the cache's. The reader retires the silent connections and
        // closes them one REDIS_TIMEOUT later, which ends the reads stuck on them.
        assertThat(((LookupException) e.getCause()).failure()).as("ended by closing the silent connections")
            .isEqualTo(Failure.UNAVAILABLE);
      }
    }

    redis.kill();
    redis.restart();
    redis.set("k", "back");
    relay.forwardTo(redis.port());
    Buffer value = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
    while (value == null && System.nanoTime() < deadline) {
      try {
        value = startReads(1).get(0).get(DEADLINE_S, TimeUnit.SECONDS);
      } catch (ExecutionException stillStuck) {
        // a read that was queued behind a silent connection; the next one gets a fresh connection
      }
    }
    assertThat(value).as("a read succeeded after Redis came back").isNotNull();
    assertThat(value.toString()).isEqualTo("back");
  }

  /**
   * A Redis that answers in time keeps the pool's connections: nothing is replaced while reads go
   * on for longer than the timeout (a replacement would open new connections through the relay).
   * A generous timeout, so that a loaded machine does not make a read look stuck.
   */
  @Test
  void aRedisThatAnswersInTimeKeepsItsConnections() throws Exception {
    startReader("2s");
    redis.set("k", "v");
    assertThat(readAll(16)).allMatch(v -> v.toString().equals("v"));
    int warm = relay.acceptedConnections();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
    int reads = 0;
    while (System.nanoTime() < until) {
      assertThat(readAll(16)).allMatch(v -> v.toString().equals("v"));
      reads += 16;
    }
    assertThat(relay.acceptedConnections()).as("connections opened during %d reads", reads).isEqualTo(warm);
  }

  private List<Buffer> readAll(int n) throws Exception {
    List<Buffer> values = new ArrayList<>();
    for (CompletableFuture<Buffer> read : startReads(n)) {
      values.add(read.get(DEADLINE_S, TimeUnit.SECONDS));
    }
    return values;
  }

  /** Starts n reads of "k" on a Vert.x context, as the cache verticle does. */
  private List<CompletableFuture<Buffer>> startReads(int n) {
    List<CompletableFuture<Buffer>> reads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CompletableFuture<Buffer> read = new CompletableFuture<>();
      reads.add(read);
      context.runOnContext(v -> reader.get(Key.of("k")).map(RedisValue::value).onComplete(read::complete, read::completeExceptionally));
    }
    return reads;
  }

  private <T> T onContext(java.util.function.Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(result::complete, result::completeExceptionally));
    return result.get(DEADLINE_S, TimeUnit.SECONDS);
  }
}
