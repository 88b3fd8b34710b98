package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The vertx-redis-client reader against a real redis-server process. */
class VertxRedisReaderIT {

  private RedisProcess redis;
  private Vertx vertx;
  private VertxRedisReader reader;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
    reader = VertxRedisReader.create(vertx, ConfigLoader.load(null,
        Map.of("REDIS_URL", redis.url(), "REDIS_TIMEOUT", "500ms")));
  }

  @AfterEach
  void tearDown() throws Exception {
    reader.close();
    vertx.close().await();
    redis.close();
  }

  /** Runs the read on a Vert.x context, as the cache verticle does, and waits for it. */
  private Buffer read(Key key) throws Exception {
    return onContext(() -> reader.get(key).map(RedisValue::value));
  }

  private <T> T onContext(java.util.function.Supplier<Future<T>> call) throws Exception {
    var result = new java.util.concurrent.CompletableFuture<T>();
    vertx.runOnContext(v -> call.get().onComplete(result::complete, result::completeExceptionally));
    return result.get(10, TimeUnit.SECONDS);
  }

  private Failure failureOf(Key key) throws Exception {
    try {
      read(key);
      throw new AssertionError("read of " + key + " should have failed");
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(LookupException.class);
      return ((LookupException) e.getCause()).failure();
    }
  }

  @Test
  void readsValuesByteForByteAndNullForMissingKeys() throws Exception {
    byte[] binary = {'a', '\r', '\n', 0, (byte) 0xFF, (byte) 0xC3, 'z'};
    byte[] binaryKey = {'k', 0, (byte) 0xFE};
    redis.set(binaryKey, binary);
    redis.set("empty", "");
    assertThat(read(Key.wrap(binaryKey.clone())).getBytes()).isEqualTo(binary);
    assertThat(read(Key.of("empty")).length()).isZero();
    assertThat(read(Key.of("missing"))).isNull();
  }

  @Test
  void wrongTypeIsARedisError() throws Exception {
    try (var jedis = redis.client()) {
      jedis.rpush("list", "x");
    }
    assertThat(failureOf(Key.of("list"))).isEqualTo(Failure.REDIS_ERROR);
  }

  @Test
  void aStoppedRedisIsUnavailableAndARestartedOneIsReadAgain() throws Exception {
    redis.set("k", "v1");
    assertThat(read(Key.of("k")).toString()).isEqualTo("v1");
    redis.kill();
    assertThat(failureOf(Key.of("k"))).isEqualTo(Failure.UNAVAILABLE);
    redis.restart();
    redis.set("k", "v2");
    // The pool may still hold the dead connection for one read; within a few reads it must recover.
    Buffer value = null;
    for (int i = 0; i < 20 && value == null; i++) {
      try {
        value = read(Key.of("k"));
      } catch (java.util.concurrent.ExecutionException stale) {
        Thread.sleep(50);
      }
    }
    assertThat(value).as("read after restart").isNotNull();
    assertThat(value.toString()).isEqualTo("v2");
  }

  @Test
  void pingSucceedsWhileRedisRunsAndFailsAsUnavailableWhenItIsGone() throws Exception {
    assertThat((Object) onContext(reader::ping)).isNull();
    redis.kill();
    try {
      onContext(reader::ping);
      throw new AssertionError("PING of a killed Redis should have failed");
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(((LookupException) e.getCause()).failure()).isEqualTo(Failure.UNAVAILABLE);
    }
  }
}
