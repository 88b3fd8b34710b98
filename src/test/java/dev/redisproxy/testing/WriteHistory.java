package dev.redisproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The versions written to one key by its one writer, for model-checking what a proxy served: version
 * v is the value {@code <key>|v}, and {@code began[v]}, {@code ended[v]} bracket its write (retries
 * included). Written by the writer thread only, read by the test thread after the writer finished.
 */
public final class WriteHistory {

  private final String key;
  private long[] began = new long[16];
  private long[] ended = new long[16];
  private int count;

  public WriteHistory(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  /** Versions written so far. */
  public int count() {
    return count;
  }

  /**
   * Writes the next version with {@code set(key, value)}, again and again until it succeeds: a write
   * that fails (a failover, a slot migrating) is retried after a pause and counts from its first try.
   */
  public void write(BiConsumer<String, String> set) throws InterruptedException {
    if (count == began.length) {
      began = Arrays.copyOf(began, 2 * count);
      ended = Arrays.copyOf(ended, 2 * count);
    }
    began[count] = System.nanoTime();
    while (true) {
      try {
        set.accept(key, key + "|" + count);
        break;
      } catch (RuntimeException refused) {
        Thread.sleep(Await.POLL_INTERVAL.toMillis());
      }
    }
    ended[count] = System.nanoTime();
    count++;
  }

  /**
   * Checks a value served by a read that began at {@code start} and ended at {@code end}
   * ({@link System#nanoTime}): it is a version of this key, written before the read ended, and no later
   * version was acknowledged more than {@code bound} before the read began.
   */
  public void check(String value, long start, long end, Duration bound, String what) {
    assertThat(value).as("%s: the key always exists", what).isNotNull();
    int bar = value.lastIndexOf('|');
    assertThat(bar).as("%s: a versioned value, got %s", what, value).isPositive();
    assertThat(value.substring(0, bar)).as("%s: the key's own value", what).isEqualTo(key);
    int version = Integer.parseInt(value.substring(bar + 1));
    assertThat(version).as("%s: a version that was written", what).isLessThan(count);
    assertThat(began[version]).as("%s: written before it was served", what).isLessThanOrEqualTo(end);
    if (version + 1 < count) {
      long replacedAt = ended[version + 1];
      assertThat(replacedAt + bound.toNanos())
          .as("%s: %s served %d ms after a newer version was acknowledged", what, value, (start - replacedAt) / 1_000_000)
          .isGreaterThanOrEqualTo(start);
    }
  }
}
