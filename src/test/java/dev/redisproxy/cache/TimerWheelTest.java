package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The timer wheel alone, with an owner that reschedules what is not due yet, as the cache does:
 * every slot fires once, never before its time, within a tick and a step after it; a sweep fires
 * everything due; slots can be unscheduled; times may be negative and far away.
 */
class TimerWheelTest {

  private static final long TICK = 1L << TimerWheel.FIRST_SHIFT;
  private static final long DAY = 86_400_000_000_000L;

  private final SlotTable slots = new SlotTable(10_000, TimerWheel.BUCKETS);
  private final TimerWheel wheel = new TimerWheel(slots, 0);
  private final long[] at = new long[10_000 + TimerWheel.BUCKETS];
  private final long[] firedAt = new long[at.length];
  private final int[] fired = new int[at.length];
  private final TimerWheel.Owner owner = (s, now) -> {
    if (now - at[s] < 0) {
      wheel.schedule(s, at[s]);
    } else {
      fired[s]++;
      firedAt[s] = now;
    }
  };

  private int slot(long time) {
    int s = slots.add(Integer.valueOf(slots.size()), slots.size());
    at[s] = time;
    wheel.schedule(s, time);
    return s;
  }

  @Test
  void everySlotFiresOnceNoEarlierThanItsTimeAndWithinATickAndAStepAfter() {
    Random random = new Random(3);
    long now = -3 * DAY;
    wheel.advance(now, owner);
    int[] s = new int[5_000];
    for (int i = 0; i < s.length; i++) {
      // From microseconds to 300 days, past the top level's range.
      long lifetime = (long) Math.pow(10, 3 + random.nextDouble() * 13.4);
      s[i] = slot(now + lifetime);
    }
    long maxStep = 0;
    while (now < -3 * DAY + 301 * DAY) {
      long step = random.nextInt(10) == 0 ? random.nextLong(DAY) : random.nextLong(50_000_000L);
      maxStep = Math.max(maxStep, step);
      now += step;
      wheel.advance(now, owner);
      for (int x : s) {
        if (fired[x] == 0) {
          assertThat(now - at[x]).as("not yet fired, so not due by more than a tick and the last step")
              .isLessThan(TICK + step);
        }
      }
    }
    for (int x : s) {
      assertThat(fired[x]).isEqualTo(1);
      assertThat(firedAt[x]).isGreaterThanOrEqualTo(at[x]);
    }
  }

  @Test
  void aSweepFiresEverythingDueByNowAndNothingLater() {
    long now = 5 * TICK + 3;
    wheel.advance(now, owner);
    int soon = slot(now + 100);
    int due = slot(now + 200);
    int later = slot(now + TICK / 2);
    int minute = slot(now + 60_000_000_000L);
    now += 200;
    wheel.advance(now, owner);
    assertThat(fired[due]).as("advance alone waits for the tick to end").isZero();
    wheel.sweep(now, owner);
    assertThat(new int[] {fired[soon], fired[due], fired[later], fired[minute]}).containsExactly(1, 1, 0, 0);
    wheel.sweep(now + 60_000_000_000L, owner);
    assertThat(new int[] {fired[later], fired[minute]}).containsExactly(1, 1);
  }

  @Test
  void anUnscheduledSlotNeverFiresAndUnschedulingTwiceIsHarmless() {
    wheel.advance(0, owner);
    int a = slot(10 * TICK);
    int b = slot(10 * TICK);
    int c = slot(10 * TICK);
    wheel.unschedule(b);
    wheel.unschedule(b);
    wheel.sweep(11 * TICK, owner);
    assertThat(new int[] {fired[a], fired[b], fired[c]}).containsExactly(1, 0, 1);
  }

  @Test
  void schedulingAScheduledSlotAgainMovesItToItsNewTimeAndLeavesTheOthers() {
    wheel.advance(0, owner);
    int a = slot(10 * TICK);
    int b = slot(10 * TICK);
    int c = slot(10 * TICK);
    int d = slot(3 * DAY);
    at[b] = 5 * DAY;
    wheel.schedule(b, at[b]);
    at[d] = 20 * TICK;
    wheel.schedule(d, at[d]);
    at[c] = 10 * TICK + 1;
    wheel.schedule(c, at[c]);
    wheel.sweep(11 * TICK, owner);
    assertThat(new int[] {fired[a], fired[b], fired[c], fired[d]}).containsExactly(1, 0, 1, 0);
    wheel.sweep(21 * TICK, owner);
    assertThat(new int[] {fired[b], fired[d]}).containsExactly(0, 1);
    wheel.sweep(5 * DAY, owner);
    assertThat(fired[b]).isEqualTo(1);
  }

  @Test
  void aTimeAlreadyPastFiresAtTheNextTickAndTheClockCrossesZero() {
    long now = -TICK / 2;
    wheel.advance(now, owner);
    int past = slot(now - DAY);
    int zero = slot(0);
    wheel.advance(now + TICK + 1, owner);
    assertThat(fired[past]).isEqualTo(1);
    assertThat(fired[zero]).isEqualTo(1);
  }

  @Test
  void aLongJumpHandsOutEveryLevelAtOnce() {
    wheel.advance(0, owner);
    long[] times = {1, TICK, 1L << 30, 1L << 36, 1L << 42, 1L << 48, 1L << 54, 1L << 57};
    int[] s = Arrays.stream(times).mapToInt(this::slot).toArray();
    wheel.advance(1L << 58, owner);
    for (int x : s) {
      assertThat(fired[x]).isEqualTo(1);
    }
  }

  @Test
  void aClockThatGoesBackIsIgnored() {
    wheel.advance(100 * TICK, owner);
    int a = slot(101 * TICK);
    wheel.advance(50 * TICK, owner);
    wheel.advance(102 * TICK, owner);
    assertThat(fired[a]).isEqualTo(1);
  }
}
