package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The windowed hot-key report, on a fake clock. */
class HotKeysTest {

  private static final long SECOND = 1_000_000_000L;

  private long now = 123 * SECOND;

  @Test
  void aSkewedStreamsTopKeysComeOutInOrderWithExactCountsAmongNoise() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 64, 16);
    Random random = new Random(42);
    Map<String, Integer> truth = new HashMap<>();
    // Zipf-like: key i is read about 2000 / i times, interleaved with 5000 keys read once each.
    for (int round = 0; round < 2000; round++) {
      for (int i = 1; i <= 10; i++) {
        if (round % i == 0) {
          read(hot, "hot" + i, truth);
        }
      }
      for (int j = 0; j < 3; j++) {
        read(hot, "noise" + random.nextInt(5000), truth);
      }
    }
    List<HotKeysSnapshot.Row> top = hot.snapshot(now, 10).byReads();
    assertThat(top).extracting(HotKeysSnapshot.Row::key)
        .containsExactly("hot1", "hot2", "hot3", "hot4", "hot5", "hot6", "hot7", "hot8", "hot9", "hot10");
    for (HotKeysSnapshot.Row row : top) {
      int exact = truth.get(row.key());
      // Space-Saving's guarantee: the true count lies in [reads - error, reads].
      assertThat(row.reads()).isGreaterThanOrEqualTo(exact);
      assertThat(row.reads() - row.error()).isLessThanOrEqualTo(exact);
    }
    // Keys that were there from the start and never the smallest are counted exactly.
    assertThat(top.subList(0, 4)).allSatisfy(row -> {
      assertThat(row.error()).isZero();
      assertThat(row.reads()).isEqualTo((long) truth.get(row.key()));
      assertThat(row.hits()).isEqualTo(row.reads());
      assertThat(row.misses()).isZero();
    });
  }

  @Test
  void withKeyCountingOffTheReportListsNoKeysButKeepsTheRates() {
    HotKeys hot = new HotKeys(now, false);
    for (int i = 0; i < 50; i++) {
      hot.hit(Key.of("a"), now);
    }
    hot.miss(Key.of("b"), now);
    now += 2 * SECOND;
    HotKeysSnapshot snap = hot.snapshot(now, 20);
    assertThat(snap.byReads()).isEmpty();
    assertThat(snap.byMisses()).isEmpty();
    assertThat(Arrays.stream(snap.readsPerSecond()).sum()).isEqualTo(51);
  }

  @Test
  void exactCountsWhileTheKeysFitTheSummary() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 8, 8);
    for (int i = 0; i < 412; i++) {
      hot.hit(Key.of("a"), now);
    }
    hot.miss(Key.of("a"), now);
    hot.miss(Key.of("a"), now);
    for (int i = 0; i < 7; i++) {
      hot.miss(Key.of("b"), now);
    }
    hot.hit(Key.of("c"), now);
    HotKeysSnapshot snap = hot.snapshot(now, 20);
    assertThat(snap.windowSeconds()).isEqualTo(60);
    assertThat(snap.byReads()).containsExactly(
        new HotKeysSnapshot.Row("a", 414, 412, 2, 0),
        new HotKeysSnapshot.Row("b", 7, 0, 7, 0),
        new HotKeysSnapshot.Row("c", 1, 1, 0, 0));
    assertThat(snap.byMisses()).extracting(HotKeysSnapshot.Row::key).containsExactly("b", "a");
    assertThat(hot.snapshot(now, 1).byReads()).extracting(HotKeysSnapshot.Row::key).containsExactly("a");
  }

  @Test
  void missesAreOrderedByMissesEvenWhenHitsDominateTheReads() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 4, 4);
    for (int i = 0; i < 100; i++) {
      for (int k = 0; k < 8; k++) {
        hot.hit(Key.of("hit" + k), now);
      }
      if (i % 2 == 0) {
        hot.miss(Key.of("cold"), now);
      }
      if (i % 5 == 0) {
        hot.miss(Key.of("lukewarm"), now);
      }
    }
    List<HotKeysSnapshot.Row> byMisses = hot.snapshot(now, 20).byMisses();
    assertThat(byMisses).extracting(HotKeysSnapshot.Row::key).containsExactly("cold", "lukewarm");
    assertThat(byMisses.get(0).misses()).isEqualTo(50);
    assertThat(byMisses.get(1).misses()).isEqualTo(20);
  }

  @Test
  void theWindowSlidesAndOldReadsAreForgotten() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 8, 8);
    for (int i = 0; i < 5; i++) {
      hot.hit(Key.of("old"), now);
    }
    now += 30 * SECOND;
    hot.hit(Key.of("new"), now);
    assertThat(hot.snapshot(now, 20).byReads()).extracting(HotKeysSnapshot.Row::key, HotKeysSnapshot.Row::reads)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("old", 5L), org.assertj.core.groups.Tuple.tuple("new", 1L));
    // Six sub-windows of ten seconds: 'old' is in the oldest one until 60 s have passed.
    now += 29 * SECOND;
    assertThat(hot.snapshot(now, 20).byReads()).extracting(HotKeysSnapshot.Row::key).contains("old");
    now += SECOND;
    assertThat(hot.snapshot(now, 20).byReads()).extracting(HotKeysSnapshot.Row::key).containsExactly("new");
    now += 10 * 60 * SECOND;
    assertThat(hot.snapshot(now, 20).byReads()).isEmpty();
  }

  @Test
  void memoryIsBoundedWhateverTheNumberOfDistinctKeys() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 32, 8);
    for (int i = 0; i < 200_000; i++) {
      Key key = Key.of("k" + i);
      if (i % 3 == 0) {
        hot.miss(key, now);
      } else {
        hot.hit(key, now);
      }
      now += SECOND / 1000;
    }
    assertThat(hot.tracked()).isLessThanOrEqualTo(HotKeys.SLOTS * (32 + 8));
    assertThat(hot.snapshot(now, 1000).byReads()).hasSizeLessThanOrEqualTo(HotKeys.SLOTS * 32);
  }

  @Test
  void pastTheCountingBudgetReadsAreSampledAndTheEstimatesStayClose() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 64, 16);
    // Three keys in turn, so a sampler that followed a pattern would see only one of them.
    long total = eightTimesTheBudgetFor3Seconds(i -> hot.hit(Key.of(i % 8 < 4 ? "a" : i % 8 < 7 ? "b" : "c"),
        now + i * (SECOND / (HotKeys.COUNTED_PER_SECOND * 8))), hot);
    assertThat(hot.sampling()).isEqualTo(8);
    List<HotKeysSnapshot.Row> top = hot.snapshot(now, 10).byReads();
    assertThat(top).extracting(HotKeysSnapshot.Row::key).containsExactly("a", "b", "c");
    assertThat(top.get(0).reads()).isBetween((long) (total * 0.5 * 0.97), (long) (total * 0.5 * 1.03));
    assertThat(top.get(1).reads()).isBetween((long) (total * 0.375 * 0.97), (long) (total * 0.375 * 1.03));
    assertThat(top.get(2).reads()).isBetween((long) (total * 0.125 * 0.95), (long) (total * 0.125 * 1.05));
    // A quiet minute later the window has forgotten it all and counts every read again.
    now += 70 * SECOND;
    hot.hit(Key.of("quiet"), now);
    now += SECOND;
    hot.hit(Key.of("quiet"), now);
    assertThat(hot.sampling()).isEqualTo(1);
    assertThat(hot.snapshot(now, 10).byReads()).containsExactly(new HotKeysSnapshot.Row("quiet", 2, 2, 0, 0));
  }

  @Test
  void pastTheCountingBudgetMissesAreSampledTooAndTheEstimatesStayClose() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 64, 16);
    long total = eightTimesTheBudgetFor3Seconds(i -> hot.miss(Key.of(i % 4 < 3 ? "often" : "seldom"),
        now + i * (SECOND / (HotKeys.COUNTED_PER_SECOND * 8))), hot);
    assertThat(hot.sampling()).isEqualTo(8);
    List<HotKeysSnapshot.Row> missed = hot.snapshot(now, 10).byMisses();
    assertThat(missed).extracting(HotKeysSnapshot.Row::key).containsExactly("often", "seldom");
    assertThat(missed.get(0).misses()).isBetween((long) (total * 0.75 * 0.97), (long) (total * 0.75 * 1.03));
    assertThat(missed.get(1).misses()).isBetween((long) (total * 0.25 * 0.95), (long) (total * 0.25 * 1.05));
    List<HotKeysSnapshot.Row> read = hot.snapshot(now, 10).byReads();
    assertThat(read.get(0).reads()).isBetween((long) (total * 0.75 * 0.97), (long) (total * 0.75 * 1.03));
  }

  /**
   * Three seconds of lookups at eight times {@link HotKeys#COUNTED_PER_SECOND}: {@code lookup} takes
   * the lookup's number within its second and reads {@code now}, which moves a second after each.
   * Checks that the first second is counted one by one; returns the lookups made.
   */
  private long eightTimesTheBudgetFor3Seconds(java.util.function.LongConsumer lookup, HotKeys hot) {
    long perSecond = HotKeys.COUNTED_PER_SECOND * 8;
    for (int second = 0; second < 3; second++) {
      for (long i = 0; i < perSecond; i++) {
        lookup.accept(i);
      }
      now += SECOND;
      if (second == 0) {
        assertThat(hot.sampling()).as("counting every lookup up to the budget").isEqualTo(1);
      }
    }
    return 3 * perSecond;
  }

  @Test
  void keysTooLongToHoldAreCountedInTheRatesButNotTracked() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 8, 8);
    hot.hit(Key.wrap(new byte[HotKeys.MAX_KEY_BYTES + 1]), now);
    hot.miss(Key.wrap(new byte[HotKeys.MAX_KEY_BYTES + 1]), now);
    now += SECOND;
    HotKeysSnapshot snap = hot.snapshot(now, 20);
    assertThat(snap.byReads()).isEmpty();
    assertThat(snap.readsPerSecond()[HotKeys.HISTORY_SECONDS - 1]).isEqualTo(2);
    assertThat(snap.missesPerSecond()[HotKeys.HISTORY_SECONDS - 1]).isEqualTo(1);
  }

  @Test
  void historyHasOneEntryPerWholeSecondOldestFirst() {
    HotKeys hot = new HotKeys(now, 10 * SECOND, 8, 8);
    hot.hit(Key.of("a"), now);
    now += SECOND;
    hot.hit(Key.of("a"), now);
    hot.miss(Key.of("b"), now);
    now += 3 * SECOND;
    hot.hit(Key.of("a"), now);
    HotKeysSnapshot snap = hot.snapshot(now + SECOND / 2, 20);
    long[] reads = snap.readsPerSecond();
    assertThat(reads).hasSize(HotKeys.HISTORY_SECONDS);
    int n = reads.length;
    assertThat(new long[] {reads[n - 4], reads[n - 3], reads[n - 2], reads[n - 1]}).containsExactly(1, 2, 0, 0);
    assertThat(snap.missesPerSecond()[n - 3]).isEqualTo(1);
    // The second under way is not reported until it is whole.
    assertThat(hot.snapshot(now + SECOND, 20).readsPerSecond()[n - 1]).isEqualTo(1);
  }

  @Test
  void keysPrintAsRedisCliPrintsThemWithValidUtf8AsItIs() {
    assertThat(HotKeysSnapshot.printable(Key.of("user:42"))).isEqualTo("user:42");
    assertThat(HotKeysSnapshot.printable(Key.of("héllo ☃ 😀"))).isEqualTo("héllo ☃ 😀");
    assertThat(HotKeysSnapshot.printable(Key.wrap(new byte[] {'a', (byte) 0xff, (byte) 0xfe, 'b'})))
        .isEqualTo("a\\xff\\xfeb");
    assertThat(HotKeysSnapshot.printable(Key.wrap(new byte[] {(byte) 0xc3}))).isEqualTo("\\xc3");
    assertThat(HotKeysSnapshot.printable(Key.of("a\r\n\t\u0000\\b"))).isEqualTo("a\\r\\n\\t\\x00\\\\b");
    assertThat(HotKeysSnapshot.printable(Key.wrap(new byte[0]))).isEmpty();
  }

  private void read(HotKeys hot, String key, Map<String, Integer> truth) {
    hot.hit(Key.of(key), now);
    truth.merge(key, 1, Integer::sum);
  }
}
