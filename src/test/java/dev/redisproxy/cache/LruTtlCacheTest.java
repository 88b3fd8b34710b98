package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LruTtlCacheTest {

  private static final Duration TTL = Duration.ofSeconds(10);
  private final FakeTicker ticker = new FakeTicker();

  private LruTtlCache<String, String> cache(int capacity) {
    return new LruTtlCache<>(capacity, TTL.toNanos(), ticker);
  }

  @Test
  void getReturnsWhatWasPut() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    assertThat(c.get("a")).isEqualTo("1");
    assertThat(c.get("b")).isNull();
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void evictsLeastRecentlyPutWhenNothingWasRead() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    c.put("b", "2");
    c.put("c", "3");
    c.put("d", "4");
    assertThat(c.get("a")).isNull();
    assertThat(c.get("b")).isEqualTo("2");
    assertThat(c.get("c")).isEqualTo("3");
    assertThat(c.get("d")).isEqualTo("4");
    assertThat(c.size()).isEqualTo(3);
    assertThat(c.evictions()).isEqualTo(1);
  }

  @Test
  void aHitRefreshesRecency() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    c.put("b", "2");
    c.put("c", "3");
    assertThat(c.get("a")).isEqualTo("1");
    c.put("d", "4");
    assertThat(c.get("b")).as("b is now the least recently used").isNull();
    assertThat(c.get("a")).isEqualTo("1");
    c.put("e", "5");
    assertThat(c.get("c")).as("c was used before a and d").isNull();
  }

  @Test
  void replacingAKeyDoesNotEvictAndCountsAsAUse() {
    LruTtlCache<String, String> c = cache(2);
    c.put("a", "1");
    c.put("b", "2");
    c.put("a", "1b");
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.evictions()).isZero();
    c.put("c", "3");
    assertThat(c.get("b")).isNull();
    assertThat(c.get("a")).isEqualTo("1b");
  }

  @Test
  void capacityZeroStoresNothing() {
    LruTtlCache<String, String> c = cache(0);
    c.put("a", "1");
    assertThat(c.get("a")).isNull();
    assertThat(c.size()).isZero();
    assertThat(c.evictions()).isZero();
  }

  @Test
  void capacityOneKeepsOnlyTheLastKey() {
    LruTtlCache<String, String> c = cache(1);
    c.put("a", "1");
    c.put("b", "2");
    assertThat(c.get("a")).isNull();
    assertThat(c.get("b")).isEqualTo("2");
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void entryIsServedUntilJustBeforeTtlAndNeverAtIt() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    ticker.advance(TTL.minusNanos(1));
    assertThat(c.get("a")).isEqualTo("1");
    ticker.advance(Duration.ofNanos(1));
    assertThat(c.get("a")).isNull();
    assertThat(c.size()).as("an expired entry found by get is dropped").isZero();
    assertThat(c.expirations()).isEqualTo(1);
  }

  @Test
  void readsDoNotExtendTheTtl() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    for (int i = 0; i < 9; i++) {
      ticker.advance(Duration.ofSeconds(1));
      assertThat(c.get("a")).isEqualTo("1");
    }
    ticker.advance(Duration.ofSeconds(1));
    assertThat(c.get("a")).isNull();
  }

  @Test
  void theTimePassedInDecidesExpiryAndTheTickerIsNotRead() {
    LruTtlCache<String, String> c = new LruTtlCache<>(3, TTL.toNanos(), () -> {
      throw new AssertionError("the ticker was read");
    });
    long t0 = 5_000;
    c.put("a", "1", t0);
    assertThat(c.get("a", t0 + TTL.toNanos() - 1)).isEqualTo("1");
    c.put("b", "2", t0 + 1);
    assertThat(c.get("a", t0 + TTL.toNanos())).isNull();
    assertThat(c.expirations()).isEqualTo(1);
    assertThat(c.purgeExpired(t0 + 1 + TTL.toNanos())).isEqualTo(1);
    assertThat(c.size()).isZero();
  }

  /** A batch reads the clock once, before its keys; a value put since then is still served. */
  @Test
  void aTimeReadBeforeAPutServesThatPut() {
    LruTtlCache<String, String> c = cache(3);
    long batchStart = ticker.nanos();
    ticker.advance(Duration.ofMillis(3));
    c.put("a", "1");
    assertThat(c.get("a", batchStart)).isEqualTo("1");
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void explicitTimesAndTheTickerAgree() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1", ticker.nanos());
    ticker.advance(TTL.minusNanos(1));
    assertThat(c.get("a")).isEqualTo("1");
    c.put("b", "2");
    ticker.advance(Duration.ofNanos(1));
    assertThat(c.get("a", ticker.nanos())).isNull();
    assertThat(c.get("b", ticker.nanos())).isEqualTo("2");
  }

  @Test
  void reinsertAfterExpiryStartsAFreshTtl() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    ticker.advance(TTL);
    assertThat(c.get("a")).isNull();
    c.put("a", "2");
    ticker.advance(TTL.minusSeconds(1));
    assertThat(c.get("a")).isEqualTo("2");
  }

  @Test
  void reputBeforeExpiryRestartsTheTtl() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    ticker.advance(Duration.ofSeconds(8));
    c.put("a", "2");
    ticker.advance(Duration.ofSeconds(8));
    assertThat(c.get("a")).isEqualTo("2");
    c.purgeExpired();
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void purgeDropsExpiredEntriesThatNobodyReads() {
    LruTtlCache<String, String> c = cache(100);
    for (int i = 0; i < 50; i++) {
      c.put("old" + i, "v");
    }
    ticker.advance(Duration.ofSeconds(5));
    for (int i = 0; i < 10; i++) {
      c.put("new" + i, "v");
    }
    ticker.advance(Duration.ofSeconds(5));
    assertThat(c.purgeExpired()).isEqualTo(50);
    assertThat(c.size()).isEqualTo(10);
    assertThat(c.expirations()).isEqualTo(50);
  }

  @Test
  void putPurgesExpiredEntriesBeforeEvictingLiveOnes() {
    LruTtlCache<String, String> c = cache(2);
    c.put("a", "1");
    ticker.advance(Duration.ofSeconds(5));
    c.put("b", "2");
    ticker.advance(Duration.ofSeconds(5));
    c.put("c", "3");
    assertThat(c.evictions()).as("a had expired, so no live entry was evicted").isZero();
    assertThat(c.get("b")).isEqualTo("2");
    assertThat(c.get("c")).isEqualTo("3");
  }

  @Test
  void removeAndClear() {
    LruTtlCache<String, String> c = cache(3);
    c.put("a", "1");
    c.put("b", "2");
    assertThat(c.remove("a")).isTrue();
    assertThat(c.remove("a")).isFalse();
    assertThat(c.get("a")).isNull();
    c.clear();
    assertThat(c.size()).isZero();
    c.put("c", "3");
    c.put("d", "4");
    c.put("e", "5");
    c.put("f", "6");
    assertThat(c.get("c")).as("lists still work after clear").isNull();
    assertThat(c.get("f")).isEqualTo("6");
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new LruTtlCache<>(-1, 1, ticker)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LruTtlCache<>(1, 0, ticker)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Keys whose hashes collide share buckets; removal from the middle of a chain must work. */
  private record Colliding(int id) {
    @Override
    public int hashCode() {
      return id % 7;
    }
  }

  @Test
  void collidingKeysAndTableGrowthKeepEveryEntryReachable() {
    LruTtlCache<Colliding, Integer> c = new LruTtlCache<>(500, TTL.toNanos(), ticker);
    for (int i = 0; i < 500; i++) {
      c.put(new Colliding(i), i);
    }
    for (int i = 0; i < 500; i += 3) {
      assertThat(c.remove(new Colliding(i))).isTrue();
    }
    for (int i = 0; i < 500; i++) {
      assertThat(c.get(new Colliding(i))).isEqualTo(i % 3 == 0 ? null : i);
    }
    LruTtlCache<Integer, Integer> big = new LruTtlCache<>(1_000_000, TTL.toNanos(), ticker);
    for (int i = 0; i < 300_000; i++) {
      big.put(i, i);
    }
    assertThat(big.size()).isEqualTo(300_000);
    for (int i = 0; i < 300_000; i += 997) {
      assertThat(big.get(i)).isEqualTo(i);
    }
  }

  /** A thousand hashes for many keys: long chains, split by each growth of the table. */
  private record FewHashes(int id) {
    @Override
    public int hashCode() {
      return (id % 1000) << 10;
    }
  }

  @Test
  void longChainsKeepEveryEntryReachableThroughGrowthRemovalAndEviction() {
    LruTtlCache<FewHashes, Integer> c = new LruTtlCache<>(100_000, TTL.toNanos(), ticker);
    for (int i = 0; i < 90_000; i++) {
      c.put(new FewHashes(i), i);
    }
    for (int i = 0; i < 90_000; i += 3) {
      assertThat(c.remove(new FewHashes(i))).isTrue();
    }
    // 60,000 left, 60,000 more put: the 20,000 least recently put go, those below 30,000.
    for (int i = 90_000; i < 150_000; i++) {
      c.put(new FewHashes(i), i);
    }
    assertThat(c.size()).isEqualTo(100_000);
    for (int i = 0; i < 150_000; i++) {
      boolean held = i >= 90_000 || (i >= 30_000 && i % 3 != 0);
      assertThat(c.get(new FewHashes(i))).isEqualTo(held ? i : null);
    }
  }

  /**
   * Random operations checked against a plain access-ordered LinkedHashMap with timestamps: gets,
   * puts, removals, purges and the odd clear, so that freed slots are reused in every way.
   */
  @Test
  void behavesLikeAReferenceModel() {
    int capacity = 16;
    LruTtlCache<Integer, Long> c = new LruTtlCache<>(capacity, TTL.toNanos(), ticker);
    Map<Integer, long[]> model = new LinkedHashMap<>(16, 0.75f, true);
    Random random = new Random(42);
    for (int step = 0; step < 100_000; step++) {
      int key = random.nextInt(40);
      ticker.advance(Duration.ofMillis(random.nextInt(300)));
      long now = ticker.nanos();
      model.values().removeIf(e -> now - e[1] >= TTL.toNanos());
      // Half the calls pass the time, as the cache verticle does for a batch, half let the cache read it.
      boolean passTime = random.nextBoolean();
      int op = random.nextInt(20);
      if (op < 9) {
        long[] expected = model.get(key);
        assertThat(passTime ? c.get(key, now) : c.get(key)).isEqualTo(expected == null ? null : expected[0]);
      } else if (op < 18) {
        long value = random.nextLong();
        model.remove(key);
        if (model.size() >= capacity) {
          model.remove(model.keySet().iterator().next());
        }
        model.put(key, new long[] {value, now});
        if (passTime) {
          c.put(key, value, now);
        } else {
          c.put(key, value);
        }
      } else if (op == 18) {
        boolean removed = c.remove(key);
        if (model.remove(key) != null) {
          assertThat(removed).as("a live key is removed").isTrue();
        }
      } else {
        c.purgeExpired(now);
        assertThat(c.size()).as("once purged, exactly the live keys are held").isEqualTo(model.size());
      }
      if (step % 10_000 == 9_999) {
        c.clear();
        model.clear();
      }
      assertThat(c.size()).isLessThanOrEqualTo(capacity);
    }
  }

  @Test
  void aCapacityBeyondWhatTheArraysCanIndexIsCut() {
    LruTtlCache<String, String> c = new LruTtlCache<>(Integer.MAX_VALUE - 8, TTL.toNanos(), ticker);
    assertThat(c.capacity()).isEqualTo(LruTtlCache.MAX_CAPACITY);
    c.put("a", "1");
    assertThat(c.get("a")).isEqualTo("1");
  }
}
