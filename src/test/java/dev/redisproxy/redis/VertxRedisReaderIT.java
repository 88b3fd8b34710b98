package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;
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
  void readsTheRemainingTimeToLiveOfKeysSetWithPxExExpireatAndNone() throws Exception {
    try (Jedis j = redis.client()) {
      j.set("px", "1", SetParams.setParams().px(60_000));
      j.set("ex", "2", SetParams.setParams().ex(120));
      j.set("at", "3");
      // Redis's clock, read from Redis: the proxy never compares its own with it.
      long redisNow = Long.parseLong(j.time().get(0));
      j.expireAt("at", redisNow + 300);
      j.set("none", "4");
    }
    assertThat(ttlOf("px")).isBetween(1L, 60_000L);
    assertThat(ttlOf("ex")).isBetween(60_001L, 120_000L);
    assertThat(ttlOf("at")).isBetween(120_001L, 301_000L);
    assertThat(ttlOf("none")).isEqualTo(RedisValue.NO_TTL);
    assertThat(onContext(() -> reader.get(Key.of("px"))).value().toString()).isEqualTo("1");
  }

  @Test
  void aMissingKeyIsMissingAndAnEmptyValueIsFound() throws Exception {
    redis.set("empty", "");
    assertThat(onContext(() -> reader.get(Key.of("missing")))).isSameAs(RedisValue.MISSING);
    RedisValue empty = onContext(() -> reader.get(Key.of("empty")));
    assertThat(empty.found()).isTrue();
    assertThat(empty.value().length()).isZero();
    assertThat(empty.ttlMillis()).isEqualTo(RedisValue.NO_TTL);
  }

  @Test
  void aValueLargerThanTheMaximumFailsAsTooLargeWhileOtherKeysAreServed() throws Exception {
    VertxRedisReader small = VertxRedisReader.create(vertx, ConfigLoader.load(null,
        Map.of("REDIS_URL", redis.url(), "REDIS_TIMEOUT", "2s")), 1024);
    redis.set("fits", "x".repeat(1024));
    redis.set("big", "x".repeat(1025));
    redis.set("small", "s");
    for (int i = 0; i < 3; i++) {
      try {
        onContext(() -> small.get(Key.of("big")));
        throw new AssertionError("a value of 1025 bytes should be refused");
      } catch (java.util.concurrent.ExecutionException e) {
        LookupException refused = (LookupException) e.getCause();
        assertThat(refused.failure()).isEqualTo(Failure.TOO_LARGE);
        assertThat(refused.getMessage()).isEqualTo("value larger than 1024 bytes, the most this proxy reads");
      }
      assertThat(onContext(() -> small.get(Key.of("small"))).value().toString()).isEqualTo("s");
      assertThat(onContext(() -> small.get(Key.of("fits"))).value().length()).isEqualTo(1024);
    }
    onContext(small::close);
  }

  @Test
  void aWrongTypeFromGetrangeIsRedissOwnErrorAsFromGet() throws Exception {
    try (Jedis j = redis.client()) {
      j.rpush("list", "x");
      String fromGet = null;
      try {
        j.get("list");
      } catch (redis.clients.jedis.exceptions.JedisDataException e) {
        fromGet = e.getMessage();
      }
      try {
        onContext(() -> reader.get(Key.of("list")));
        throw new AssertionError("a list should be refused");
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause().getMessage()).isEqualTo(fromGet)
            .isEqualTo("WRONGTYPE Operation against a key holding the wrong kind of value");
      }
    }
  }

  private long ttlOf(String key) throws Exception {
    return onContext(() -> reader.get(Key.of(key))).ttlMillis();
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
