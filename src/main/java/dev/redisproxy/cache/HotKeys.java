package dev.redisproxy.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The most-read and most-missed keys of about the last minute, and lookups per second of the last
 * few minutes, for {@code GET /hotkeys}, the status page and {@code INFO hotkeys}.
 *
 * <p>Design: the window is {@link #SLOTS} sub-windows of {@link #SLOT_SECONDS}, each with its own
 * bounded {@link HotKeysSummary} (Space-Saving, Metwally, Agrawal and El Abbadi, ICDT 2005) of reads
 * and one of misses; the oldest is cleared when time moves past it, so old reads are forgotten a
 * sub-window at a time and the report covers the last 50 to 60 seconds. Space-Saving rather than
 * HeavyKeeper or a count-min sketch with a heap: it gives each reported key an error bound (exact
 * when 0) and finds every key above {@code reads / capacity}, with a deterministic O(1) update that
 * allocates nothing, where the sketches hash several times per update and only estimate. Misses
 * have a summary of their own, so a key that misses often is found even among keys that hit more.
 *
 * <p>Cost per lookup: one time comparison and one summary offer (two on a miss), on the cache
 * verticle's event loop; the {@link Key} objects already exist. Past {@link #COUNTED_PER_SECOND}
 * lookups a second, lookups are sampled, misses as well as hits: exact figures where they are
 * cheap, estimates where counting every one would cost throughput (a miss of a key not yet in a
 * summary replaces a counter: on a workload of mostly misses, unsampled counting took 6 % of the
 * cache verticle's loop). Keys longer than
 * {@link #MAX_KEY_BYTES} are not tracked, so the keys held here stay small. Memory is bounded by
 * the capacities, whatever the traffic. The report merges the sub-windows: O(counters), on demand.
 *
 * <p>Time comes from the caller, in nanoseconds of a monotonic clock. Not thread-safe: owned by the
 * cache verticle's event loop.
 */
public final class HotKeys {

  /** Event-bus address of the report. Body: the number of keys wanted (Integer). Reply: a {@link HotKeysSnapshot}. */
  public static final String ADDRESS = "redis-proxy.cache.hotkeys";
  public static final int SLOTS = 6;
  public static final int SLOT_SECONDS = 10;
  /** Seconds of lookups-per-second history kept for the status page's chart. */
  public static final int HISTORY_SECONDS = 300;
  /** Keys counted per sub-window: enough for the largest report ({@code ?limit=1000}). */
  public static final int READ_CAPACITY = 1024;
  public static final int MISS_CAPACITY = 256;
  /** Longer keys are not tracked: the summaries would hold on to them. */
  public static final int MAX_KEY_BYTES = 512;
  /** The most keys one report lists. */
  public static final int MAX_REPORT = 1000;

  /** Lookups a second counted one by one, about; past it reads are sampled 1 in 2^k and count 2^k each. */
  public static final long COUNTED_PER_SECOND = 1 << 16;

  private static final long SECOND = 1_000_000_000L;

  private final long slotNanos;
  private final HotKeysSummary[] reads;
  private final HotKeysSummary[] misses;
  // The front ends' lookup latency, per sub-window like the summaries.
  private final LookupLatency[] latency;
  private int current;
  private long slotEnd;
  // Sub-window i counts one in 2^shift[i] reads; the current one's mask picks them.
  private final int[] shift = new int[SLOTS];
  private long sampleMask;
  // xorshift64: which reads are sampled must not follow a pattern of the keys (a client cycling through them).
  private long random = 0x9E3779B97F4A7C15L;
  // The shift the last whole second's rate calls for.
  private int targetShift;

  // Lookups of the second under way, and of the seconds before it (a ring, oldest at `historyAt`).
  // False with HOTKEYS=false: lookups are counted in the rates, keys are not.
  private final boolean countKeys;
  private long secondReads;
  private long secondMisses;
  private final long[] readsHistory = new long[HISTORY_SECONDS];
  private final long[] missesHistory = new long[HISTORY_SECONDS];
  private int historyAt;
  private long secondEnd;

  /** Sub-windows of {@link #SLOT_SECONDS} with the default capacities; the clock starts at {@code now}. */
  public HotKeys(long now) {
    this(now, true);
  }

  /** As {@link #HotKeys(long)}; with {@code countKeys} false ({@code HOTKEYS=false}) the reports list no keys. */
  public HotKeys(long now, boolean countKeys) {
    this(now, SLOT_SECONDS * SECOND, countKeys ? READ_CAPACITY : 1, countKeys ? MISS_CAPACITY : 1, countKeys);
  }

  HotKeys(long now, long slotNanos, int readCapacity, int missCapacity) {
    this(now, slotNanos, readCapacity, missCapacity, true);
  }

  private HotKeys(long now, long slotNanos, int readCapacity, int missCapacity, boolean countKeys) {
    this.countKeys = countKeys;
    this.slotNanos = slotNanos;
    reads = new HotKeysSummary[SLOTS];
    misses = new HotKeysSummary[SLOTS];
    latency = new LookupLatency[SLOTS];
    for (int i = 0; i < SLOTS; i++) {
      latency[i] = new LookupLatency();
      reads[i] = new HotKeysSummary(readCapacity);
      misses[i] = new HotKeysSummary(missCapacity);
    }
    slotEnd = now + slotNanos;
    secondEnd = now + SECOND;
  }

  /** A lookup answered from the cache. */
  public void hit(Key key, long now) {
    if (now - secondEnd >= 0) {
      advance(now);
    }
    secondReads++;
    if (countKeys && sampled() && key.length() <= MAX_KEY_BYTES) {
      reads[current].offer(key, false);
    }
  }

  /** A lookup that had to read Redis. */
  public void miss(Key key, long now) {
    if (now - secondEnd >= 0) {
      advance(now);
    }
    secondReads++;
    secondMisses++;
    if (countKeys && key.length() <= MAX_KEY_BYTES && sampled()) {
      reads[current].offer(key, true);
      misses[current].offer(key, true);
    }
  }

  private boolean sampled() {
    if (sampleMask == 0) {
      return true;
    }
    long x = random;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    random = x;
    return (x & sampleMask) == 0;
  }

  /** Adds a front end's latency histogram (see {@link LookupLatency}) to the window. */
  public void latency(LookupLatency lookups, long now) {
    advance(now);
    latency[current].add(lookups);
  }

  /** The window's top {@code limit} keys (at most {@link #MAX_REPORT}) by reads and by misses, and the history. */
  public HotKeysSnapshot snapshot(long now, int limit) {
    advance(now);
    int n = Math.max(0, Math.min(limit, MAX_REPORT));
    Map<Key, long[]> merged = new HashMap<>();
    for (int i = 0; i < SLOTS; i++) {
      HotKeysSummary s = reads[i];
      for (int c = 0; c < s.size(); c++) {
        long[] row = merged.computeIfAbsent(s.key(c), k -> new long[3]);
        row[0] += s.count(c) << shift[i];
        row[1] += s.misses(c) << shift[i];
        row[2] += s.error(c) << shift[i];
      }
    }
    Map<Key, long[]> missed = new HashMap<>();
    for (int i = 0; i < SLOTS; i++) {
      HotKeysSummary s = misses[i];
      for (int c = 0; c < s.size(); c++) {
        missed.computeIfAbsent(s.key(c), k -> new long[1])[0] += s.count(c) << shift[i];
      }
    }
    LookupLatency window = new LookupLatency();
    for (LookupLatency l : latency) {
      window.add(l);
    }
    return new HotKeysSnapshot(SLOTS * (int) (slotNanos / SECOND),
        top(merged.keySet(), merged, missed, n, true), top(missed.keySet(), merged, missed, n, false),
        history(readsHistory), history(missesHistory),
        new HotKeysSnapshot.Latency(window.total(), window.quantileMs(0.5), window.quantileMs(0.99)));
  }

  /** Keys held now over every sub-window; at most {@code SLOTS * (read + miss capacity)}. */
  int tracked() {
    int n = 0;
    for (int i = 0; i < SLOTS; i++) {
      n += reads[i].size() + misses[i].size();
    }
    return n;
  }

  /** A key of the report before it is chosen; only the chosen ones are made printable. */
  private record Candidate(Key key, long reads, long misses, long error) {
  }

  // Most first; ties in a fixed order that costs no copy of the keys (their bytes only on a hash tie).
  private static final Comparator<Candidate> BY_READS = Comparator.comparingLong(Candidate::reads)
      .thenComparingLong(Candidate::misses).reversed().thenComparing(HotKeys::tieBreak);
  private static final Comparator<Candidate> BY_MISSES = Comparator.comparingLong(Candidate::misses)
      .thenComparingLong(Candidate::reads).reversed().thenComparing(HotKeys::tieBreak);

  private static int tieBreak(Candidate a, Candidate b) {
    int byHash = Integer.compare(a.key().hashCode(), b.key().hashCode());
    return byHash != 0 ? byHash : Arrays.compareUnsigned(a.key().toBytes(), b.key().toBytes());
  }

  private static List<HotKeysSnapshot.Row> top(Iterable<Key> keys, Map<Key, long[]> merged,
      Map<Key, long[]> missed, int n, boolean byReads) {
    Comparator<Candidate> order = byReads ? BY_READS : BY_MISSES;
    // The best n so far, the worst of them at the head: O(keys log n), not a sort of every key.
    PriorityQueue<Candidate> best = new PriorityQueue<>(Math.max(1, n), order.reversed());
    for (Key key : keys) {
      long[] r = merged.get(key);
      long[] m = missed.get(key);
      // The miss summary counts a key's misses since it was first missed in a sub-window; the read
      // summary only since the key last took a counter there: the larger is the better figure.
      long keyMisses = Math.max(m == null ? 0 : m[0], r == null ? 0 : r[1]);
      long keyReads = Math.max(r == null ? 0 : r[0], keyMisses);
      Candidate c = new Candidate(key, keyReads, keyMisses, r == null ? keyReads : r[2]);
      if (best.size() < n) {
        best.add(c);
      } else if (n > 0 && order.compare(c, best.peek()) < 0) {
        best.poll();
        best.add(c);
      }
    }
    List<Candidate> chosen = new ArrayList<>(best);
    chosen.sort(order);
    List<HotKeysSnapshot.Row> rows = new ArrayList<>(chosen.size());
    for (Candidate c : chosen) {
      rows.add(new HotKeysSnapshot.Row(HotKeysSnapshot.printable(c.key()), c.reads(), c.reads() - c.misses(),
          c.misses(), c.error()));
    }
    return List.copyOf(rows);
  }


  /** Closes the seconds and sub-windows that {@code now} is past; at most one full turn of each. */
  private void advance(long now) {
    for (int i = 0; now - secondEnd >= 0; i++) {
      if (i >= HISTORY_SECONDS) {
        // Idle longer than the history: it is all zeros, and the clock starts again now.
        secondEnd = now + SECOND;
        break;
      }
      rescale(secondReads);
      readsHistory[historyAt] = secondReads;
      missesHistory[historyAt] = secondMisses;
      historyAt = (historyAt + 1) % HISTORY_SECONDS;
      secondReads = 0;
      secondMisses = 0;
      secondEnd += SECOND;
    }
    for (int i = 0; now - slotEnd >= 0; i++) {
      if (i >= SLOTS) {
        slotEnd = now + slotNanos;
        break;
      }
      current = (current + 1) % SLOTS;
      reads[current].clear();
      misses[current].clear();
      latency[current].clear();
      shift[current] = targetShift;
      slotEnd += slotNanos;
    }
    sampleMask = (1L << shift[current]) - 1;
  }

  /**
   * Sets the sampling for the reads of a second: a sub-window under way samples more sparsely at
   * once if it must (its counts are scaled down to the new unit), never less until the next one.
   */
  private void rescale(long readsOfSecond) {
    int k = 0;
    while ((readsOfSecond >>> k) > COUNTED_PER_SECOND) {
      k++;
    }
    targetShift = k;
    if (k > shift[current]) {
      reads[current].scaleDown(k - shift[current]);
      misses[current].scaleDown(k - shift[current]);
      shift[current] = k;
    }
  }

  /** How many lookups one counted read stands for now (tests). */
  long sampling() {
    return sampleMask + 1;
  }

  /** The ring from its oldest second to its newest. */
  private long[] history(long[] ring) {
    long[] out = new long[HISTORY_SECONDS];
    for (int i = 0; i < HISTORY_SECONDS; i++) {
      out[i] = ring[(historyAt + i) % HISTORY_SECONDS];
    }
    return out;
  }
}
