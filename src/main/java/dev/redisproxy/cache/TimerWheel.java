package dev.redisproxy.cache;

/**
 * A hierarchical timer wheel over the slots of a {@link SlotTable}: schedule, unschedule and fire
 * in amortised O(1) whatever each entry's lifetime, where a queue in insertion order needs one
 * lifetime for all and a priority queue pays O(log n).
 *
 * <p>As in Caffeine's {@code TimerWheel} (after Varghese and Lauck, "Hashed and Hierarchical
 * Timing Wheels"): {@value #LEVELS} wheels of {@value #BUCKETS_PER_LEVEL} buckets, each bucket a
 * circular list of slots through a head slot. A level-0 bucket spans 2^{@value #FIRST_SHIFT} ns
 * (16.8 ms) and each level's buckets are 64 times wider: 16.8 ms, 1.07 s, 68.7 s, 73.3 min,
 * 3.26 days, so level 0 holds the next 1.07 s and level 4 the next 208 days. A slot goes into the
 * lowest level whose range holds its time. When the wheel's time passes a bucket, the whole bucket
 * is handed to the owner, which drops each slot that is due or schedules it again for its time,
 * which puts it a level lower (a cascade). A slot is handled at most once per level on its way
 * down, hence O(1) amortised. A time beyond the top level shares a bucket with nearer times
 * (one 208-day turn apart) and is scheduled again when that bucket comes up.
 *
 * <p>Firing is late by up to one level-0 bucket (16.8 ms) after {@link #advance}, exact after
 * {@link #sweep}; the owner checks exact times itself where that matters (a read).
 *
 * <p>Times are signed nanos (a {@link Ticker}'s readings, which may be negative); buckets come
 * from an arithmetic shift, so the count of ticks stays monotonic across zero.
 */
final class TimerWheel {

  static final int LEVELS = 5;
  static final int BUCKETS_PER_LEVEL = 64;
  static final int BUCKETS = LEVELS * BUCKETS_PER_LEVEL;
  private static final int BITS = 6;
  private static final int MASK = BUCKETS_PER_LEVEL - 1;
  static final int FIRST_SHIFT = 24;
  // A slot's FLAGS above bit 0 (the eviction order's) hold the head of its bucket + 1, 0 for none.
  private static final int ON_BUCKET = 1;
  private static final int NOT_OURS = SlotTable.EXPIRED;

  /** Told of each slot whose bucket has come up, off every timer list; it must drop it or schedule it again. */
  @FunctionalInterface
  interface Owner {
    void due(int slot, long now);
  }

  private final SlotTable slots;
  // The head slot of level 0, bucket 0; the others follow level by level.
  private final int firstHead;
  // The time up to which buckets have been handed out; meaningless until `started`.
  private long time;
  private boolean started;

  TimerWheel(SlotTable slots, int firstHead) {
    this.slots = slots;
    this.firstHead = firstHead;
  }

  /**
   * Puts the slot in the bucket for time {@code at}, from the one it was in, if any; a past time
   * fires at the next tick. A slot already in that bucket stays where it is: a bucket is handed out
   * whole, in no order, and a put into a full cache reschedules the slot it evicts, often into the
   * bucket that slot was in.
   */
  void schedule(int s, long at) {
    long t = at - time > 0 ? at : time;
    long d = t - time;
    int level = d <= 0 ? 0 : (63 - Long.numberOfLeadingZeros(d) - FIRST_SHIFT) / BITS;
    level = Math.max(0, Math.min(LEVELS - 1, level));
    int head = firstHead + level * BUCKETS_PER_LEVEL + ((int) (t >> (FIRST_SHIFT + BITS * level)) & MASK);
    int flags = slots.get(s, SlotTable.FLAGS);
    if (flags >>> ON_BUCKET != head + 1) {
      slots.moveLast(head, s, SlotTable.TIMER_PREV);
      slots.set(s, SlotTable.FLAGS, (flags & NOT_OURS) | (head + 1) << ON_BUCKET);
    }
  }

  void unschedule(int s) {
    slots.unlink(s, SlotTable.TIMER_PREV);
    offTimers(s);
  }

  /** Records that the slot, linked to itself, is in no bucket. */
  private void offTimers(int s) {
    slots.set(s, SlotTable.FLAGS, slots.get(s, SlotTable.FLAGS) & NOT_OURS);
  }

  /**
   * Moves the wheel's time to {@code now} and hands the owner every bucket whose span the time
   * has passed. A time that goes backwards is ignored. The first call only sets the time: call it
   * before the first {@link #schedule}.
   */
  void advance(long now, Owner owner) {
    if (!started) {
      started = true;
      time = now;
      return;
    }
    long previous = time;
    if (now - previous <= 0) {
      return;
    }
    time = now;
    for (int level = 0; level < LEVELS; level++) {
      int shift = FIRST_SHIFT + BITS * level;
      long from = previous >> shift;
      long passed = (now >> shift) - from;
      if (passed == 0) {
        break;
      }
      // The bucket the time was in, since slots may have come into it, up to the one it is in now.
      long last = from + Math.min(passed, MASK);
      for (long tick = from; tick <= last; tick++) {
        fire(firstHead + level * BUCKETS_PER_LEVEL + ((int) tick & MASK), now, owner);
      }
    }
  }

  /** As {@link #advance}, then the level-0 bucket of {@code now} too, so that every slot due by now is handed out. */
  void sweep(long now, Owner owner) {
    advance(now, owner);
    fire(firstHead + ((int) (time >> FIRST_SHIFT) & MASK), now, owner);
  }

  /** Empties the bucket, then hands each of its slots, linked to itself, to the owner. */
  private void fire(int head, long now, Owner owner) {
    int s = slots.first(head, SlotTable.TIMER_PREV);
    if (s == head) {
      return;
    }
    slots.set(head, SlotTable.TIMER_PREV, head);
    slots.set(head, SlotTable.TIMER_NEXT, head);
    while (s != head) {
      int next = slots.get(s, SlotTable.TIMER_NEXT);
      slots.set(s, SlotTable.TIMER_PREV, s);
      slots.set(s, SlotTable.TIMER_NEXT, s);
      offTimers(s);
      owner.due(s, now);
      s = next;
    }
  }
}
