package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.redisproxy.testing.LogCapture;
import org.junit.jupiter.api.Test;

/** Redis's reachability as the cache logs it: once per change, saying what becomes of cached keys. */
class RedisHealthTest {

  @Test
  void withTrackingTheLogSaysTheCacheIsDroppedNotServed() {
    try (LogCapture logs = new LogCapture(CacheVerticle.class)) {
      RedisHealth health = new RedisHealth("redis://r:6379", true);
      health.readFailed(Failure.UNAVAILABLE);
      health.readFailed(Failure.TIMEOUT);
      assertThat(health.reachable()).isFalse();
      assertThat(logs.messages(Level.WARN)).containsExactly("Redis at redis://r:6379 is unreachable or too slow;"
          + " misses fail, the cache is dropped as the tracking connection is lost (changes may go unreported)");
    }
  }

  @Test
  void anErrorReplyOrAValueTooLargeIsNotUnreachable() {
    RedisHealth health = new RedisHealth("redis://r:6379", false);
    health.readFailed(Failure.REDIS_ERROR);
    health.readFailed(Failure.TOO_LARGE);
    assertThat(health.reachable()).isTrue();
    assertThat(health.errors()).isEqualTo(2);
  }
}
