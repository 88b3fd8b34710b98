package dev.redisproxy.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Which entry of an {@link LruTtlCache} goes next to make room: two circular lists of slots
 * through head slots {@value #RECENCY} and {@value #STALE} of the {@link SlotTable}. Each held
 * entry is on exactly one; bit 0 of its FLAGS says which. The <em>recency</em> list runs from
 * least to most recently used, and a hit moves the entry to its tail. The <em>stale</em> list holds entries past
 * their lifetime kept for a grace period, in the order they were found expired; it is emptied
 * first, since a stale entry is served only while Redis fails and a live one at every hit.
 */
final class EvictionOrder {

  static final int RECENCY = 0;
  static final int STALE = 1;
  /** The head slots this takes, from 0. */
  static final int HEADS = 2;

  private final SlotTable slots;

  EvictionOrder(SlotTable slots) {
    this.slots = slots;
  }

  /** Puts the slot at the tail of the recency list, as live, from whichever list it is on, if any. */
  void addLive(int s) {
    slots.set(s, SlotTable.FLAGS, slots.get(s, SlotTable.FLAGS) & ~SlotTable.EXPIRED);
    slots.moveLast(RECENCY, s, SlotTable.PREV);
  }

  boolean isLive(int s) {
    return (slots.get(s, SlotTable.FLAGS) & SlotTable.EXPIRED) == 0;
  }

  /** Moves a live slot to the tail of the recency list: it is the most recently used. */
  void touch(int s) {
    if (slots.get(RECENCY, SlotTable.PREV) != s) {
      slots.moveLast(RECENCY, s, SlotTable.PREV);
    }
  }

  /** Moves a live slot to the tail of the stale list; a stale one stays where it is. */
  void markStale(int s) {
    if (isLive(s)) {
      slots.set(s, SlotTable.FLAGS, slots.get(s, SlotTable.FLAGS) | SlotTable.EXPIRED);
      slots.moveLast(STALE, s, SlotTable.PREV);
    }
  }

  /** Takes the slot off whichever list it is on. */
  void remove(int s) {
    slots.unlink(s, SlotTable.PREV);
  }

  /** The slot to evict first: the oldest stale one, else the least recently used; 0 if none is listed. */
  int victim() {
    int s = slots.first(STALE, SlotTable.PREV);
    return s != STALE ? s : slots.first(RECENCY, SlotTable.PREV);
  }

  /** The keys on the recency list, least recently used first; O(n), for tests. */
  List<Object> recencyOrder() {
    List<Object> keys = new ArrayList<>();
    for (int s = slots.first(RECENCY, SlotTable.PREV); s != RECENCY; s = slots.get(s, SlotTable.NEXT)) {
      keys.add(slots.key(s));
    }
    return keys;
  }
}
