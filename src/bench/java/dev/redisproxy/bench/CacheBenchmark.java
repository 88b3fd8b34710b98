package dev.redisproxy.bench;

import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LruTtlCache;
import dev.redisproxy.cache.Ticker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cache structure beside its floor: a bare access-ordered {@link LinkedHashMap} with
 * {@code removeEldestEntry} doing the same work (no TTL, no byte count). Each pair of methods does
 * the same operations on the same keys, so their ratio is the cost of what {@link LruTtlCache}
 * adds (the deadline check and the clock, the timer wheel, the byte budget, the counters). The
 * cache is set up as the cache verticle sets it up: a byte budget (here large enough that the key
 * bound is the one that binds), each put with its value's bytes and a lifetime.
 *
 * <ul>
 *   <li>{@code getHit}: a get of a key that is cached (capacity holds every key).
 *   <li>{@code getHitWithAge}: the same, then {@code lastHitStoredAt()}, as the HTTP front end
 *       needs it for {@code Age}; no twin: set it beside {@code getHit}.
 *   <li>{@code putEvict}: a put of a new key into a full cache, evicting the least recently used.
 *   <li>{@code putEvictMixedLifetimes}: the same with lifetimes from 10 ms to an hour, as Redis's
 *       PTTL gives them, so that entries land on every level of the timer wheel and are expired
 *       by it as well as evicted; no twin.
 *   <li>{@code zipfMix}: get, and put on a miss, over keys drawn from a Zipf(0.99) distribution
 *       over 10x the capacity, as a read-through cache sees them.
 * </ul>
 *
 * <p>The clock is read as the cache verticle reads it, which LinkedHashMap never pays for: once
 * per batch of lookups ({@code get(key, now)}), here a batch of {@value #BATCH} (a pipelined RESP
 * read of 16 GETs, as {@code make bench} runs redis-benchmark with {@code -P 16}). A put takes no
 * reading of its own: the verticle stores a miss's value with the time its lookup's batch read
 * (the time the read was sent), so a put here uses the reading of its batch of {@value #BATCH}
 * puts, and zipfMix's put that of the get which missed. A lookup that comes alone (HTTP, RESP
 * without pipelining) reads the clock for itself: {@code getHitReadingTheClock} measures that
 * case and has no twin; set it beside {@code getHitLinkedHashMap}. A clock reading
 * ({@code System.nanoTime}) costs 25 to 150 ns on the project's 2-core virtual machine (kvm-clock,
 * more under load): as much as a hit, or more.
 *
 * <p>Run under the JVM's default collector (G1), as the proxy runs: its write barrier on reference
 * stores into long-lived objects is most of what a LinkedHashMap pays here (see
 * {@link LruTtlCache}'s design note).
 *
 * <p>Run with {@code make bench} (all benchmarks), or
 * {@code mvn -Pbench -q test-compile exec:exec@jmh -Djmh.args='CacheBenchmark'}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CacheBenchmark {

  private static final int KEYS_MASK = (1 << 20) - 1;
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);
  /** Lookups answered with one clock reading. A power of two. */
  static final int BATCH = 16;

  @Param({"65536"})
  int capacity;

  private Key[] keys;
  private int[] hitIdx;
  private int[] zipfIdx;
  private long[] lifetimes;
  private byte[] value;
  private final Ticker ticker = Ticker.system();
  private LruTtlCache<Key, byte[]> cache;
  private LinkedHashMap<Key, byte[]> lhm;
  private int i;
  private int next;
  // The clock reading of the current batch of lookups.
  private long now;

  @Setup(Level.Trial)
  public void setUp() {
    int universe = capacity * 10;
    keys = new Key[universe];
    for (int k = 0; k < universe; k++) {
      keys[k] = Key.of(String.format("key:%012d", k));
    }
    value = new byte[64];
    Random random = new Random(7);
    hitIdx = new int[KEYS_MASK + 1];
    zipfIdx = new int[KEYS_MASK + 1];
    Zipf zipf = new Zipf(universe, 0.99, random);
    lifetimes = new long[KEYS_MASK + 1];
    for (int k = 0; k <= KEYS_MASK; k++) {
      hitIdx[k] = random.nextInt(capacity);
      zipfIdx[k] = zipf.next();
      lifetimes[k] = (long) (TimeUnit.MILLISECONDS.toNanos(10) * Math.pow(360_000, random.nextDouble()));
    }
  }

  @Setup(Level.Iteration)
  public void fill() {
    cache = new LruTtlCache<>(capacity, 1L << 40, HOUR, 0, ticker);
    int cap = capacity;
    lhm = new LinkedHashMap<>(cap * 4 / 3 + 1, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, byte[]> eldest) {
        return size() > cap;
      }
    };
    for (int k = 0; k < capacity; k++) {
      put(keys[k], ticker.nanos());
      lhm.put(keys[k], value);
    }
    next = capacity;
  }

  @Benchmark
  public byte[] getHit() {
    int n = i++;
    if ((n & (BATCH - 1)) == 0) {
      now = ticker.nanos();
    }
    return cache.get(keys[hitIdx[n & KEYS_MASK]], now);
  }

  @Benchmark
  public void getHitWithAge(Blackhole bh) {
    int n = i++;
    if ((n & (BATCH - 1)) == 0) {
      now = ticker.nanos();
    }
    bh.consume(cache.get(keys[hitIdx[n & KEYS_MASK]], now));
    bh.consume(cache.lastHitStoredAt());
  }

  @Benchmark
  public byte[] getHitReadingTheClock() {
    return cache.get(keys[hitIdx[i++ & KEYS_MASK]]);
  }

  @Benchmark
  public byte[] getHitLinkedHashMap() {
    return lhm.get(keys[hitIdx[i++ & KEYS_MASK]]);
  }

  @Benchmark
  public void putEvict() {
    int n = next++;
    if ((n & (BATCH - 1)) == 0) {
      now = ticker.nanos();
    }
    put(keys[n % keys.length], now);
  }

  @Benchmark
  public void putEvictMixedLifetimes() {
    int n = next++;
    if ((n & (BATCH - 1)) == 0) {
      now = ticker.nanos();
    }
    cache.put(keys[n % keys.length], value, 16 + value.length, lifetimes[n & KEYS_MASK], now);
  }

  @Benchmark
  public void putEvictLinkedHashMap() {
    lhm.put(keys[next++ % keys.length], value);
  }

  @Benchmark
  public byte[] zipfMix() {
    int n = i++;
    if ((n & (BATCH - 1)) == 0) {
      now = ticker.nanos();
    }
    Key key = keys[zipfIdx[n & KEYS_MASK]];
    byte[] v = cache.get(key, now);
    if (v == null) {
      // At the time of the get that missed: the verticle stores a read with the time it was sent.
      put(key, now);
    }
    return v;
  }

  @Benchmark
  public byte[] zipfMixLinkedHashMap() {
    Key key = keys[zipfIdx[i++ & KEYS_MASK]];
    byte[] v = lhm.get(key);
    if (v == null) {
      lhm.put(key, value);
    }
    return v;
  }

  /** A put as the verticle does it: the key's and value's bytes, the longest lifetime. */
  private void put(Key key, long at) {
    cache.put(key, value, key.length() + value.length, HOUR, at);
  }

  /** Zipf sampler by inverse CDF over a precomputed table; good enough for choosing keys. */
  static final class Zipf {
    private final double[] cdf;
    private final Random random;

    Zipf(int n, double s, Random random) {
      this.random = random;
      cdf = new double[n];
      double sum = 0;
      for (int k = 1; k <= n; k++) {
        sum += 1 / Math.pow(k, s);
        cdf[k - 1] = sum;
      }
      for (int k = 0; k < n; k++) {
        cdf[k] /= sum;
      }
    }

    int next() {
      int idx = java.util.Arrays.binarySearch(cdf, random.nextDouble());
      return idx >= 0 ? idx : Math.min(-idx - 1, cdf.length - 1);
    }
  }
}
