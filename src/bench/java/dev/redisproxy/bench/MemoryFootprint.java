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
 * cache verticle stores them ({@link Key} and a Vert.x {@link Buffer} as read from Redis), after
 * full GCs; printed as bytes per entry beyond the 80 bytes of key and value.
 *
 * <p>{@code java -cp ... dev.redisproxy.bench.MemoryFootprint [ENTRIES]}
 */
public final class MemoryFootprint {

  private MemoryFootprint() {
  }

  public static void main(String[] args) throws InterruptedException {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long before = usedAfterGc();
    LruTtlCache<Key, Buffer> cache = new LruTtlCache<>(entries, TimeUnit.HOURS.toNanos(1), Ticker.system());
    byte[] value = new byte[64];
    for (int i = 0; i < entries; i++) {
      byte[] key = String.format("key:%012d", i).getBytes();
      value[0] = (byte) i;
      // Buffer.buffer(byte[]) copies, as the Redis client's reply does: one value array per entry.
      cache.put(Key.wrap(key), Buffer.buffer(value));
    }
    long after = usedAfterGc();
    double perEntry = (after - before) / (double) entries;
    double overhead = perEntry - 80;
    System.out.printf("entries=%d heap=%.1f MiB bytes/entry=%.1f overhead/entry=%.1f%n",
        cache.size(), (after - before) / 1048576.0, perEntry, overhead);
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
