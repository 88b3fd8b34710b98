package dev.redisproxy.cache;

/**
 * How long lookups took as a front end saw them: from the turn of its event loop that asked the
 * cache to the one that got the answer (the event-bus hops, the cache's work, and Redis's read on a
 * miss; not the client's network). A histogram with four buckets per power of two (at most 25% wide),
 * so recording is a few shifts and an increment, with no allocation.
 *
 * <p>Each {@link CacheClient} fills one on its event loop and, about once a second, sends it to the
 * cache verticle on {@link #ADDRESS} and starts a new one; the cache verticle adds it to the
 * window of {@link HotKeys}. A histogram is not changed once sent.
 */
public final class LookupLatency {

  /** Body: a {@link LookupLatency}. No reply. */
  public static final String ADDRESS = "redis-proxy.cache.lookup-latency";
  static final int BUCKETS = 256;

  private final long[] counts = new long[BUCKETS];
  private long total;

  void record(long nanos) {
    counts[bucket(nanos)]++;
    total++;
  }

  boolean isEmpty() {
    return total == 0;
  }

  /** Adds the other histogram's counts to these. */
  void add(LookupLatency other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
  }

  void clear() {
    java.util.Arrays.fill(counts, 0);
    total = 0;
  }

  long total() {
    return total;
  }

  /** The q-quantile in milliseconds, interpolated within its bucket; null when empty. */
  Double quantileMs(double q) {
    if (total == 0) {
      return null;
    }
    double rank = q * total;
    long below = 0;
    for (int b = 0; b < BUCKETS; b++) {
      if (counts[b] > 0 && below + counts[b] >= rank) {
        double lower = lowerBound(b);
        double at = lower + (upperBound(b) - lower) * Math.max(0, rank - below) / counts[b];
        return Math.round(at / 1_000) / 1_000.0;
      }
      below += counts[b];
    }
    return upperBound(BUCKETS - 1) / 1e6;
  }

  /** Values below 4 ns have a bucket each; above, the power of two and the next two bits choose it. */
  static int bucket(long nanos) {
    if (nanos < 4) {
      return (int) Math.max(0, nanos);
    }
    int e = 63 - Long.numberOfLeadingZeros(nanos);
    return (e << 2) | (int) ((nanos >>> (e - 2)) & 3);
  }

  static long lowerBound(int b) {
    if (b < 4) {
      return b;
    }
    int e = b >>> 2;
    return (4L + (b & 3)) << (e - 2);
  }

  static long upperBound(int b) {
    return b < 4 ? b + 1 : lowerBound(b) + (1L << ((b >>> 2) - 2));
  }
}
