package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The lookup-latency histogram and its window in {@link HotKeys}. */
class HotKeysLatencyTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void bucketsAreAtMostAQuarterWideAndCoverEveryValue() {
    for (long v : new long[] {0, 1, 3, 4, 5, 7, 8, 100, 1023, 1024, 123_456_789, Long.MAX_VALUE / 2}) {
      int b = LookupLatency.bucket(v);
      assertThat(v).isBetween(LookupLatency.lowerBound(b), LookupLatency.upperBound(b) - 1);
      assertThat(b).isLessThan(LookupLatency.BUCKETS);
      if (v >= 4) {
        assertThat(LookupLatency.upperBound(b) - LookupLatency.lowerBound(b)).isLessThanOrEqualTo(v / 4 + 1);
      }
    }
    assertThat(LookupLatency.bucket(-5)).isZero();
  }

  @Test
  void quantilesComeFromTheWindowAndAgeOutWithIt() {
    long now = 7 * SECOND;
    HotKeys hot = new HotKeys(now);
    assertThat(hot.snapshot(now, 1).latency()).isEqualTo(new HotKeysSnapshot.Latency(0, null, null));
    LookupLatency front = new LookupLatency();
    for (int i = 0; i < 98; i++) {
      front.record(100_000);
    }
    front.record(20_000_000);
    front.record(20_000_000);
    hot.latency(front, now);
    HotKeysSnapshot.Latency latency = hot.snapshot(now, 1).latency();
    assertThat(latency.lookups()).isEqualTo(100);
    // 100 µs lies in the bucket [96 µs, 112 µs) of 2^17 ns; 20 ms in [16.8 ms, 21 ms).
    assertThat(latency.p50Ms()).isBetween(0.098, 0.112);
    assertThat(latency.p99Ms()).isBetween(16.7, 21.0);
    now += 61 * SECOND;
    assertThat(hot.snapshot(now, 1).latency().lookups()).isZero();
  }
}
