package dev.redisproxy.bench;

import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LruTtlCache;
import dev.redisproxy.cache.Ticker;
import io.vertx.core.buffer.Buffer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.TimeUnit;

/**
 * Heap taken by the cache with N entries of 16-byte keys and 64-byte values, stored as the
 * cache verticle stores them (a {@link Key}, and the bytes of Redis's reply {@link Buffer} copied
 * into a bare array), after full GCs; printed as bytes per entry beyond the 80 bytes of key and
 * value, beside {@link LruTtlCache#ENTRY_OVERHEAD}, the figure the byte budget counts. Expected,
 * with compressed oops: the cache's slot 56 (twelve ints: hash, chain, two list links, two timer
 * wheel links, deadline and stored time as two ints each, flags, weight; key and value
 * references), its table slot 4 x 2^21 / 10^6 = 8.4, key wrapper and array header 24 + 16, value
 * array header 16: 120.4, plus G1's rounding of the cache's four large arrays up to whole regions.
 * Lifetimes are mixed (a minute to an hour) so that the timer wheel holds entries on two of its levels.
 *
 * <p>{@code java -cp ... dev.redisproxy.bench.MemoryFootprint [ENTRIES]}
 */
public final class MemoryFootprint {

  private MemoryFootprint() {
  }

  public static void main(String[] args) throws InterruptedException {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long before = usedAfterGc();
    long hour = TimeUnit.HOURS.toNanos(1);
    Ticker ticker = Ticker.system();
    LruTtlCache<Key, byte[]> cache = new LruTtlCache<>(entries, Long.MAX_VALUE, hour, 0, ticker);
    byte[] value = new byte[64];
    for (int i = 0; i < entries; i++) {
      byte[] key = String.format("key:%012d", i).getBytes();
      value[0] = (byte) i;
      // As the cache verticle stores a read: the reply buffer's bytes, copied once into an array.
      Buffer reply = Buffer.buffer(value);
      cache.put(Key.wrap(key), reply.getBytes(), key.length + value.length, hour >> (i % 6), ticker.nanos());
    }
    long after = usedAfterGc();
    double perEntry = (after - before) / (double) entries;
    double overhead = perEntry - 80;
    System.out.printf("entries=%d heap=%.1f MiB bytes/entry=%.1f overhead/entry=%.1f counted=%d%n",
        cache.size(), (after - before) / 1048576.0, perEntry, overhead, LruTtlCache.ENTRY_OVERHEAD);
  }

  private static long usedAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
