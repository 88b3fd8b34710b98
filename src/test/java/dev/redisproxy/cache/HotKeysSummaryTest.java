package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Space-Saving's guarantees, checked on random streams against exact counts. */
class HotKeysSummaryTest {

  @Test
  void guaranteesHoldOnRandomSkewedStreams() {
    Random random = new Random(7);
    for (int capacity : new int[] {1, 2, 5, 16, 100}) {
      HotKeysSummary summary = new HotKeysSummary(capacity);
      Map<Key, Long> truth = new HashMap<>();
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        // Squaring a uniform draw skews the stream toward small key numbers.
        double u = random.nextDouble();
        Key key = Key.of("k" + (int) (u * u * 500));
        summary.offer(key, false);
        truth.merge(key, 1L, Long::sum);
      }
      assertThat(summary.size()).isEqualTo(Math.min(capacity, truth.size()));
      long total = 0;
      Set<Key> monitored = new HashSet<>();
      for (int c = 0; c < summary.size(); c++) {
        Key key = summary.key(c);
        assertThat(monitored.add(key)).as("each key once").isTrue();
        long exact = truth.get(key);
        assertThat(summary.count(c)).isGreaterThanOrEqualTo(exact);
        assertThat(summary.count(c) - summary.error(c)).isLessThanOrEqualTo(exact);
        total += summary.count(c);
      }
      assertThat(total).as("the counters add up to the stream's length").isEqualTo(n);
      truth.forEach((key, count) -> {
        if (count > n / capacity) {
          assertThat(monitored).as("a key above N/m is monitored").contains(key);
        }
      });
    }
  }

  @Test
  void scalingDownKeepsTheOrderAndTheStructure() {
    HotKeysSummary summary = new HotKeysSummary(4);
    for (int i = 0; i < 40; i++) {
      summary.offer(Key.of("a"), i % 4 == 0);
    }
    for (int i = 0; i < 9; i++) {
      summary.offer(Key.of("b"), false);
    }
    summary.offer(Key.of("c"), false);
    summary.scaleDown(2);
    Map<String, Long> counts = new HashMap<>();
    for (int c = 0; c < summary.size(); c++) {
      counts.put(summary.key(c).toString(), summary.count(c));
    }
    assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10L, "b", 2L));
    // Still a working summary: new keys, increments and replacements.
    for (String k : new String[] {"b", "b", "d", "e", "f"}) {
      summary.offer(Key.of(k), false);
    }
    long total = 0;
    for (int c = 0; c < summary.size(); c++) {
      total += summary.count(c);
    }
    assertThat(summary.size()).isEqualTo(4);
    assertThat(total).isEqualTo(10 + 2 + 5);
  }

  @Test
  void missesAreCountedPerKeyAndClearForgetsEverything() {
    HotKeysSummary summary = new HotKeysSummary(3);
    summary.offer(Key.of("a"), true);
    summary.offer(Key.of("a"), false);
    summary.offer(Key.of("b"), true);
    Map<String, long[]> seen = new HashMap<>();
    for (int c = 0; c < summary.size(); c++) {
      seen.put(summary.key(c).toString(), new long[] {summary.count(c), summary.misses(c)});
    }
    assertThat(seen.get("a")).containsExactly(2, 1);
    assertThat(seen.get("b")).containsExactly(1, 1);
    summary.clear();
    assertThat(summary.size()).isZero();
    summary.offer(Key.of("a"), false);
    assertThat(summary.count(0)).isEqualTo(1);
    assertThat(summary.misses(0)).isZero();
  }
}
