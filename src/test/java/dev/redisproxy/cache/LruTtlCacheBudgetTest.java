package dev.redisproxy.cache;

import static dev.redisproxy.cache.LruTtlCache.ENTRY_OVERHEAD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.LruTtlCache.Put;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cache bounded in keys and in bytes: exact accounting, eviction at either bound, refusals. */
class LruTtlCacheBudgetTest {

  private static final long HOUR = 3_600_000_000_000L;
  private static final int VALUE = 100;
  private static final int WEIGHT = VALUE + ENTRY_OVERHEAD;
  private long now = 1_000_000_000L;

  private LruTtlCache<String, String> cache(int keys, long maxBytes) {
    return new LruTtlCache<>(keys, maxBytes, HOUR, 0, () -> now);
  }

  private static Put put(LruTtlCache<String, String> c, String key, int bytes) {
    return c.put(key, key + bytes, bytes, HOUR, 1_000_000_000L);
  }

  @Test
  void bytesCountKeysValuesAndTheOverheadOfEachEntry() {
    LruTtlCache<String, String> c = cache(100, 100 * WEIGHT);
    assertThat(put(c, "a", VALUE)).isEqualTo(Put.STORED);
    assertThat(put(c, "b", 0)).isEqualTo(Put.STORED);
    assertThat(c.bytes()).isEqualTo(WEIGHT + ENTRY_OVERHEAD);
    assertThat(c.maxBytes()).isEqualTo(100 * WEIGHT);
    c.remove("a");
    assertThat(c.bytes()).isEqualTo(ENTRY_OVERHEAD);
    c.clear();
    assertThat(c.bytes()).isZero();
  }

  @Test
  void atTheByteBudgetTheLeastRecentlyUsedGoUntilTheNewEntryFits() {
    LruTtlCache<String, String> c = cache(100, 10 * WEIGHT);
    for (int i = 0; i < 10; i++) {
      put(c, "k" + i, VALUE);
    }
    assertThat(c.bytes()).isEqualTo(c.maxBytes());
    c.get("k0");
    put(c, "k10", VALUE);
    assertThat(c.recencyOrder()).containsExactly("k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k0", "k10");
    put(c, "big", VALUE + 50);
    assertThat(c.recencyOrder()).as("two entries make room for one a little heavier")
        .containsExactly("k4", "k5", "k6", "k7", "k8", "k9", "k0", "k10", "big");
    assertThat(c.bytes()).isEqualTo(8L * WEIGHT + VALUE + 50 + ENTRY_OVERHEAD);
    assertThat(c.evictions()).isEqualTo(3);
  }

  @Test
  void atTheKeyBoundTheLeastRecentlyUsedGoesWhateverTheBytes() {
    LruTtlCache<String, String> c = cache(3, Long.MAX_VALUE);
    put(c, "a", 0);
    put(c, "b", 1_000_000);
    put(c, "c", 0);
    put(c, "d", 0);
    assertThat(c.recencyOrder()).containsExactly("b", "c", "d");
    assertThat(c.bytes()).isEqualTo(1_000_000 + 3L * ENTRY_OVERHEAD);
  }

  @Test
  void bothBoundsHoldAfterEveryPut() {
    int small = ENTRY_OVERHEAD;
    LruTtlCache<String, String> c = cache(10, 16L * small);
    for (int i = 0; i <= 10; i++) {
      put(c, "s" + i, 0);
    }
    assertThat(c.recencyOrder()).as("the key bound").hasSize(10).doesNotContain("s0");
    for (int i = 1; i <= 6; i++) {
      put(c, "h" + i, small);
    }
    assertThat(c.recencyOrder()).as("still the key bound, and now the byte budget is full")
        .containsExactly("s7", "s8", "s9", "s10", "h1", "h2", "h3", "h4", "h5", "h6");
    assertThat(c.bytes()).isEqualTo(c.maxBytes());
    put(c, "h7", small);
    assertThat(c.recencyOrder()).as("one for the key bound, one more for the bytes")
        .containsExactly("s9", "s10", "h1", "h2", "h3", "h4", "h5", "h6", "h7");
    put(c, "s", 0);
    assertThat(c.recencyOrder()).as("the bytes alone").containsExactly("s10", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "s");
    assertThat(c.bytes()).isEqualTo(c.maxBytes());
    assertThat(c.evictions()).isEqualTo(1 + 6 + 2 + 1);
  }

  @Test
  void anEntryHeavierThanItsShareOfTheBudgetIsRefusedAndDropsTheOlderValue() {
    LruTtlCache<String, String> c = cache(100, 80 * WEIGHT);
    assertThat(c.maxEntryBytes()).isEqualTo(10L * WEIGHT);
    assertThat(put(c, "fits", 10 * WEIGHT - ENTRY_OVERHEAD)).isEqualTo(Put.STORED);
    put(c, "a", VALUE);
    assertThat(put(c, "a", 10 * WEIGHT - ENTRY_OVERHEAD + 1)).isEqualTo(Put.TOO_LARGE);
    assertThat(c.get("a", now)).as("the older value is no longer the key's").isNull();
    assertThat(put(c, "whole", 80 * WEIGHT + 1)).as("bigger than the whole budget").isEqualTo(Put.TOO_LARGE);
    assertThat(c.recencyOrder()).containsExactly("fits");
    assertThat(c.bytes()).isEqualTo(10L * WEIGHT);
    assertThat(c.evictions()).isZero();
  }

  @Test
  void replacingWithALargerValueKeepsTheCountExactAndNeverEvictsTheKeyItself() {
    LruTtlCache<String, String> c = cache(10, 8 * WEIGHT);
    for (int i = 0; i < 10; i++) {
      put(c, "k" + i, 0);
    }
    for (int i = 0; i < 5; i++) {
      put(c, "k" + i, VALUE);
    }
    assertThat(c.bytes()).isEqualTo(10L * ENTRY_OVERHEAD + 5 * VALUE);
    assertThat(c.evictions()).isZero();
    put(c, "k5", VALUE);
    assertThat(c.recencyOrder()).as("k5 was the least recently used; k6 made room")
        .containsExactly("k7", "k8", "k9", "k0", "k1", "k2", "k3", "k4", "k5");
    assertThat(c.bytes()).isEqualTo(9L * ENTRY_OVERHEAD + 6 * VALUE);
    put(c, "k5", 0);
    assertThat(c.bytes()).isEqualTo(9L * ENTRY_OVERHEAD + 5 * VALUE);
  }

  @Test
  void noKeysOrNoBytesMeansCachingOff() {
    for (LruTtlCache<String, String> c : List.of(cache(0, 1 << 20), cache(100, 0))) {
      assertThat(put(c, "a", 0)).isEqualTo(Put.NOT_STORED);
      assertThat(c.get("a", now)).isNull();
      assertThat(c.size()).isZero();
      assertThat(c.bytes()).isZero();
    }
  }

  /**
   * Random puts of varying sizes (some too large), replacements, gets, removals, clock moves and
   * the odd clear, against an access-ordered LinkedHashMap that evicts the eldest until both bounds
   * hold: after every step the same keys in the same recency order, the same bytes and evictions.
   * Times and lifetimes are whole timer-wheel ticks, so that each put purges exactly what is due.
   */
  @Test
  void behavesLikeAReferenceModel() {
    int keys = 12;
    long maxBytes = 8000;
    long tick = 1L << TimerWheel.FIRST_SHIFT;
    LruTtlCache<Integer, Long> c = new LruTtlCache<>(keys, maxBytes, 400 * tick, 0, () -> now);
    Map<Integer, long[]> model = new LinkedHashMap<>(16, 0.75f, true);
    Random random = new Random(7);
    long t = 1_000 * tick;
    long evicted = 0;
    for (int step = 0; step < 200_000; step++) {
      t += tick * random.nextInt(random.nextInt(10) == 0 ? 200 : 4);
      long at = t;
      model.values().removeIf(e -> at - e[2] >= 0);
      int key = random.nextInt(30);
      int op = random.nextInt(20);
      if (op < 8) {
        long[] e = model.get(key);
        assertThat(c.get(key, at)).isEqualTo(e == null ? null : e[0]);
      } else if (op < 18) {
        long value = random.nextLong();
        int bytes = random.nextInt(random.nextBoolean() ? 1_000 : 300);
        long lifetime = tick * (random.nextInt(500) - 5);
        long weight = bytes + ENTRY_OVERHEAD;
        model.remove(key);
        Put expected = weight > maxBytes / 8 ? Put.TOO_LARGE : lifetime <= 0 ? Put.NOT_STORED : Put.STORED;
        if (expected == Put.STORED) {
          while (model.size() + 1 > keys || total(model) + weight > maxBytes) {
            model.remove(model.keySet().iterator().next());
            evicted++;
          }
          model.put(key, new long[] {value, weight, at + Math.min(lifetime, 400 * tick)});
        }
        assertThat(c.put(key, value, bytes, lifetime, at)).isEqualTo(expected);
        assertThat(c.recencyOrder()).isEqualTo(new ArrayList<>(model.keySet()));
        assertThat(c.bytes()).isEqualTo(total(model));
        assertThat(c.evictions()).isEqualTo(evicted);
      } else if (op == 18) {
        boolean held = model.remove(key) != null;
        assertThat(c.remove(key) || !held).isTrue();
      } else if (random.nextInt(500) == 0) {
        c.clear();
        model.clear();
      }
      assertThat(c.size()).isLessThanOrEqualTo(keys);
      assertThat(c.bytes()).isLessThanOrEqualTo(maxBytes);
    }
    c.purgeExpired(t);
    assertThat(c.size()).isEqualTo(model.size());
  }

  private static long total(Map<Integer, long[]> model) {
    return model.values().stream().mapToLong(e -> e[1]).sum();
  }
}
