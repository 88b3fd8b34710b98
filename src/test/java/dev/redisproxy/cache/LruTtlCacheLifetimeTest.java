package dev.redisproxy.cache;

import static dev.redisproxy.cache.LruTtlCache.ENTRY_OVERHEAD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.LruTtlCache.Put;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A lifetime per entry, negative entries, the stale grace period and the time each entry was stored. */
class LruTtlCacheLifetimeTest {

  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  private static final long TTL = 3_600 * S;
  /** The owner's marker for "Redis has no such key", told apart by identity. */
  private static final byte[] MISSING = new byte[0];
  // Not a multiple of a timer-wheel tick, so that the boundaries below fall inside buckets.
  private final long t0 = 1_234_567_891L;

  private LruTtlCache<String, byte[]> cache(int keys, long graceNanos) {
    return new LruTtlCache<>(keys, Long.MAX_VALUE, TTL, graceNanos, () -> {
      throw new AssertionError("the ticker was read");
    });
  }

  private static byte[] value(String s) {
    return s.getBytes();
  }

  @Test
  void eachEntryIsServedUntilJustBeforeItsOwnDeadlineAndNeverAtIt() {
    LruTtlCache<String, byte[]> c = cache(10, 0);
    byte[] a = value("a");
    byte[] b = value("b");
    c.put("a", a, 2, 1_500 * MS, t0);
    c.put("b", b, 2, 7, t0 + 1);
    assertThat(c.get("b", t0 + 7)).isSameAs(b);
    assertThat(c.get("b", t0 + 8)).isNull();
    assertThat(c.get("a", t0 + 1_500 * MS - 1)).isSameAs(a);
    assertThat(c.get("a", t0 + 1_500 * MS)).isNull();
    assertThat(c.size()).as("an expired entry found by get is dropped").isZero();
    assertThat(c.expirations()).isEqualTo(2);
  }

  @Test
  void aLifetimeIsCutToTheTtlAndOneThatIsNotPositiveStoresNothing() {
    LruTtlCache<String, byte[]> c = cache(10, 0);
    c.put("forever", value("v"), 1, Long.MAX_VALUE, t0);
    assertThat(c.get("forever", t0 + TTL - 1)).isNotNull();
    assertThat(c.get("forever", t0 + TTL)).isNull();
    c.put("a", value("v"), 1, S, t0);
    assertThat(c.put("a", value("w"), 1, 0, t0 + 1)).isEqualTo(Put.NOT_STORED);
    assertThat(c.get("a", t0 + 2)).as("a value not stored drops the one it replaces").isNull();
    assertThat(c.put("b", value("w"), 1, -5, t0 + 1)).isEqualTo(Put.NOT_STORED);
    assertThat(c.size()).isZero();
  }

  @Test
  void purgingDropsEntriesByTheirOwnDeadlineNotByTheirOrder() {
    LruTtlCache<String, byte[]> c = cache(10, 0);
    c.put("long", value("1"), 1, 10 * S, t0);
    c.put("short", value("2"), 1, 20 * MS, t0 + 1);
    c.put("hour", value("3"), 1, 3_000 * S, t0 + 2);
    c.put("minute", value("4"), 1, 61 * S, t0 + 3);
    assertThat(c.purgeExpired(t0 + 1 + 20 * MS - 1)).isZero();
    assertThat(c.purgeExpired(t0 + 1 + 20 * MS)).isEqualTo(1);
    assertThat(c.recencyOrder()).containsExactly("long", "hour", "minute");
    assertThat(c.purgeExpired(t0 + 61 * S + 3)).isEqualTo(2);
    assertThat(c.recencyOrder()).containsExactly("hour");
    assertThat(c.purgeExpired(t0 + 3_000 * S + 1)).isZero();
    assertThat(c.purgeExpired(t0 + 3_000 * S + 2)).isEqualTo(1);
    assertThat(c.bytes()).isZero();
  }

  @Test
  void aPutReclaimsWhatExpiredWithinAWheelTickWithoutAnyRead() {
    LruTtlCache<String, byte[]> c = cache(10, 0);
    c.put("a", value("1"), 1, 100 * MS, t0);
    c.put("b", value("2"), 1, TTL, t0 + 100 * MS + (1L << TimerWheel.FIRST_SHIFT));
    assertThat(c.recencyOrder()).containsExactly("b");
    assertThat(c.expirations()).isEqualTo(1);
  }

  /** A put into a full cache takes the slot of the entry it evicts: the new entry keeps none of its times or its place. */
  @Test
  void anEntryInTheSlotOfOneEvictedHasOnlyItsOwnDeadlineAndStoredTime() {
    LruTtlCache<String, byte[]> c = cache(2, S);
    c.put("short", value("1"), 1, 20 * MS, t0);
    c.put("long", value("2"), 1, 10 * S, t0 + 1);
    c.put("new", value("3"), 1, 5 * S, t0 + 2);
    assertThat(c.recencyOrder()).containsExactly("long", "new");
    assertThat(c.evictions()).isEqualTo(1);
    assertThat(c.purgeExpired(t0 + S)).as("the evicted entry's deadline and grace are not the new one's").isZero();
    assertThat(c.get("new", t0 + S)).isNotNull();
    assertThat(c.lastHitStoredAt()).isEqualTo(t0 + 2);
    c.put("newer", value("4"), 1, 30 * MS, t0 + S + 1);
    assertThat(c.recencyOrder()).containsExactly("new", "newer");
    assertThat(c.purgeExpired(t0 + S + 1 + 30 * MS)).as("marked stale, not dropped").isZero();
    assertThat(c.get("newer", t0 + S + 1 + 30 * MS)).isNull();
    assertThat(c.getStale("newer", t0 + S + 30 * MS + S)).isNotNull();
    assertThat(c.purgeExpired(t0 + 2 * S + 1 + 30 * MS)).as("the evicted entry's longer deadline did not stay with its slot").isEqualTo(1);
    assertThat(c.recencyOrder()).containsExactly("new");
    assertThat(c.bytes()).isEqualTo(1 + ENTRY_OVERHEAD);
  }

  /** The owner stores a read at the time it was sent, which may be before the last put's time. */
  @Test
  void aPutAtAnEarlierTimeExpiresAtThatTimePlusItsLifetime() {
    LruTtlCache<String, byte[]> c = cache(10, 0);
    c.put("late", value("1"), 1, 10 * S, t0 + 3 * S);
    c.put("early", value("2"), 1, 2 * S, t0);
    assertThat(c.get("early", t0 + 2 * S - 1)).isNotNull();
    assertThat(c.lastHitStoredAt()).isEqualTo(t0);
    assertThat(c.get("early", t0 + 2 * S)).isNull();
    c.put("early", value("2"), 1, 2 * S, t0 + S);
    assertThat(c.purgeExpired(t0 + 3 * S + 1)).as("a deadline already behind the wheel's time is purged all the same").isEqualTo(1);
    assertThat(c.recencyOrder()).containsExactly("late");
  }

  @Test
  void aKnownMissingKeyIsAnEntryLikeAnyOther() {
    LruTtlCache<String, byte[]> c = new LruTtlCache<>(2, 10L * 8 * ENTRY_OVERHEAD, TTL, 0, () -> t0);
    assertThat(c.put("gone", MISSING, 4, 5 * S, t0)).isEqualTo(Put.STORED);
    assertThat(c.get("gone", t0 + 5 * S - 1)).isSameAs(MISSING);
    assertThat(c.get("other", t0)).as("unknown is not missing").isNull();
    assertThat(c.bytes()).isEqualTo(4 + ENTRY_OVERHEAD);
    assertThat(c.get("gone", t0 + 5 * S)).isNull();
    c.put("gone", MISSING, 4, 5 * S, t0 + 5 * S);
    c.put("a", value("1"), 2, TTL, t0 + 5 * S);
    c.put("b", value("2"), 2, TTL, t0 + 5 * S);
    assertThat(c.recencyOrder()).as("it counts against the keys").containsExactly("a", "b");
    c.put("a", MISSING, 1, S, t0 + 6 * S);
    assertThat(c.get("a", t0 + 6 * S)).isSameAs(MISSING);
    c.put("a", value("back"), 5, TTL, t0 + 6 * S);
    assertThat(c.get("a", t0 + 8 * S)).isEqualTo(value("back"));
  }

  @Test
  void anExpiredEntryIsServedStaleForTheGracePeriodAndNeverByGet() {
    LruTtlCache<String, byte[]> c = cache(10, 5 * S);
    byte[] a = value("a");
    c.put("a", a, 2, S, t0);
    assertThat(c.getStale("a", t0 + S - 1)).as("a live entry, too").isSameAs(a);
    assertThat(c.get("a", t0 + S)).isNull();
    assertThat(c.getStale("a", t0 + S)).isSameAs(a);
    assertThat(c.purgeExpired(t0 + 6 * S - 1)).isZero();
    assertThat(c.get("a", t0 + 6 * S - 1)).isNull();
    assertThat(c.getStale("a", t0 + 6 * S - 1)).isSameAs(a);
    assertThat(c.getStale("a", t0 + 6 * S)).isNull();
    assertThat(c.purgeExpired(t0 + 6 * S)).isEqualTo(1);
    assertThat(c.size()).isZero();
    assertThat(c.bytes()).isZero();
  }

  @Test
  void removeAndClearDropStaleEntriesForGoodAndAPutMakesOneLiveAgain() {
    LruTtlCache<String, byte[]> c = cache(10, 5 * S);
    c.put("a", value("1"), 1, S, t0);
    c.put("b", value("2"), 1, S, t0);
    c.put("c", value("3"), 1, S, t0);
    c.purgeExpired(t0 + 2 * S);
    assertThat(c.remove("a")).isTrue();
    assertThat(c.getStale("a", t0 + 2 * S)).isNull();
    c.put("b", value("2b"), 2, S, t0 + 2 * S);
    assertThat(c.get("b", t0 + 2 * S)).isEqualTo(value("2b"));
    c.clear();
    assertThat(c.getStale("b", t0 + 2 * S)).isNull();
    assertThat(c.getStale("c", t0 + 2 * S)).isNull();
    assertThat(c.bytes()).isZero();
  }

  @Test
  void staleEntriesMakeRoomBeforeLiveOnesAndCountAgainstTheBudget() {
    LruTtlCache<String, byte[]> c = cache(3, 5 * S);
    c.put("old", value("1"), 1, TTL, t0);
    c.put("brief", value("2"), 1, S, t0);
    c.put("live", value("3"), 1, TTL, t0);
    assertThat(c.get("brief", t0 + S)).isNull();
    assertThat(c.size()).as("held for the grace period").isEqualTo(3);
    c.put("new", value("4"), 1, TTL, t0 + S);
    assertThat(c.getStale("brief", t0 + S)).as("the stale entry went, not the least recently used").isNull();
    assertThat(c.recencyOrder()).containsExactly("old", "live", "new");
    assertThat(c.evictions()).isEqualTo(1);
  }

  @Test
  void withoutAGracePeriodGetStaleServesOnlyLiveEntries() {
    LruTtlCache<String, byte[]> c = cache(10, 0);
    c.put("a", value("1"), 1, S, t0);
    assertThat(c.getStale("a", t0 + S - 1)).isNotNull();
    assertThat(c.getStale("a", t0 + S)).isNull();
  }

  @Test
  void aHitTellsWhenItsValueWasStored() {
    LruTtlCache<String, byte[]> c = cache(10, 5 * S);
    c.put("a", value("1"), 1, 2 * S, t0);
    c.put("b", value("2"), 1, 2 * S, t0 + 7);
    c.get("a", t0 + S);
    assertThat(c.lastHitStoredAt()).isEqualTo(t0);
    c.get("b", t0 + S);
    assertThat(c.lastHitStoredAt()).isEqualTo(t0 + 7);
    c.getStale("a", t0 + 3 * S);
    assertThat(c.lastHitStoredAt()).isEqualTo(t0);
    c.put("a", value("1"), 1, 2 * S, t0 + 4 * S);
    c.get("a", t0 + 4 * S);
    assertThat(c.lastHitStoredAt()).isEqualTo(t0 + 4 * S);
  }

  /**
   * Random puts with mixed lifetimes (from a microsecond to past the TTL, some not positive),
   * gets, stale gets, removals, purges and clock moves against a map of deadlines: get serves
   * exactly the entries before their deadline, getStale those before deadline plus grace, and
   * after a purge exactly those are held. Times fall anywhere inside the wheel's buckets.
   */
  @Test
  void behavesLikeAReferenceModel() {
    long grace = 2 * S;
    LruTtlCache<Integer, Long> c = new LruTtlCache<>(1_000, Long.MAX_VALUE, 100 * S, grace, () -> 0L);
    Map<Integer, long[]> model = new HashMap<>();
    Random random = new Random(16);
    long now = -50 * S;
    for (int step = 0; step < 300_000; step++) {
      now += random.nextInt(4) == 0 ? random.nextLong(3 * S) : random.nextInt(1_000_000);
      long at = now;
      model.values().removeIf(e -> at - e[1] >= grace);
      int key = random.nextInt(200);
      long[] e = model.get(key);
      int op = random.nextInt(20);
      if (op < 7) {
        Long got = c.get(key, now);
        assertThat(got).isEqualTo(e != null && now - e[1] < 0 ? e[0] : null);
        if (got != null) {
          assertThat(c.lastHitStoredAt()).isEqualTo(e[2]);
        }
      } else if (op < 10) {
        assertThat(c.getStale(key, now)).isEqualTo(e != null ? e[0] : null);
      } else if (op < 18) {
        long value = random.nextLong();
        long lifetime = (long) (Math.pow(10, 3 + random.nextDouble() * 9)) - 5_000;
        c.put(key, value, 8, lifetime, now);
        model.remove(key);
        if (lifetime > 0) {
          model.put(key, new long[] {value, now + Math.min(lifetime, 100 * S), now});
        }
      } else if (op == 18) {
        c.remove(key);
        model.remove(key);
      } else {
        c.purgeExpired(now);
        assertThat(c.size()).isEqualTo(model.size());
        assertThat(c.bytes()).isEqualTo(model.size() * (8L + ENTRY_OVERHEAD));
      }
    }
  }
}
