package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.config.ConfigLoader;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link CacheEntries}' policy, plain Java with a fake clock. */
class CacheEntriesTest {

  private static final Key K = Key.of("k");
  private static final long TTL = TimeUnit.SECONDS.toNanos(10);

  private final FakeTicker ticker = new FakeTicker();

  private CacheEntries entries(long negativeNanos, long staleNanos) {
    return new CacheEntries(4, 1 << 20, TTL, negativeNanos, staleNanos, ticker);
  }

  @Test
  void aLifetimeIsRedissRemainingTtlCutToCacheTtlAndCacheTtlWithoutOne() {
    CacheEntries e = entries(0, 0);
    assertThat(e.lifetimeNanos(RedisValue.NO_TTL)).isEqualTo(TTL);
    assertThat(e.lifetimeNanos(1)).isEqualTo(1_000_000);
    assertThat(e.lifetimeNanos(9_999)).isEqualTo(9_999_000_000L);
    assertThat(e.lifetimeNanos(10_000)).isEqualTo(TTL);
    assertThat(e.lifetimeNanos(Long.MAX_VALUE)).as("no overflow").isEqualTo(TTL);
    assertThat(e.lifetimeNanos(0)).isZero();
    assertThat(e.lifetimeNanos(-2)).as("a key gone by the time PTTL ran").isZero();
  }

  @Test
  void onlyAFailureToAnswerIsCoveredByAStaleEntry() {
    assertThat(CacheEntries.coversUp(Failure.UNAVAILABLE)).isTrue();
    assertThat(CacheEntries.coversUp(Failure.TIMEOUT)).isTrue();
    assertThat(CacheEntries.coversUp(Failure.OVERLOADED)).isTrue();
    assertThat(CacheEntries.coversUp(Failure.REDIS_ERROR)).isFalse();
  }

  @Test
  void aStoreAtAnEarlierTimeCountsTheLifetimeAndTheAgeFromThere() {
    CacheEntries e = entries(0, 0);
    long sent = ticker.nanos();
    ticker.advance(java.time.Duration.ofMillis(1500));
    e.store(K, new RedisValue(Buffer.buffer("v"), 2000), sent);
    long now = ticker.nanos();
    assertThat(e.get(K, now)).isNotNull();
    assertThat(e.age(now)).isEqualTo(1);
    assertThat(e.get(K, sent + TimeUnit.MILLISECONDS.toNanos(2000))).isNull();
  }

  @Test
  void aMissingKeyIsTheMarkerWithNegativeCachingAndNothingWithout() {
    CacheEntries on = entries(TimeUnit.SECONDS.toNanos(1), 0);
    on.store(K, RedisValue.MISSING, ticker.nanos());
    assertThat(on.get(K, ticker.nanos())).isSameAs(CacheEntries.MISSING);
    CacheEntries off = entries(0, 0);
    off.store(K, RedisValue.MISSING, ticker.nanos());
    assertThat(off.get(K, ticker.nanos())).isNull();
  }

  @Test
  void theSmallestBudgetConfigAcceptsHoldsOneEntryOfAnEmptyKeyAndValue() {
    assertThat(ConfigLoader.MIN_CACHE_MAXMEMORY)
        .isEqualTo((long) LruTtlCache.MAX_ENTRY_SHARE * LruTtlCache.ENTRY_OVERHEAD);
    CacheEntries e = new CacheEntries(4, ConfigLoader.MIN_CACHE_MAXMEMORY, TTL, 0, 0, ticker);
    Key empty = Key.wrap(new byte[0]);
    e.store(empty, RedisValue.of(Buffer.buffer()), ticker.nanos());
    assertThat(e.get(empty, ticker.nanos())).isNotNull();
    assertThat(e.uncacheable()).isZero();
  }
}
