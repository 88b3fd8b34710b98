package dev.redisproxy.cache;

import java.util.Arrays;

/**
 * The entries of an {@link LruTtlCache} as <em>slots</em>, and the hash index over them.
 *
 * <p>A slot is an index into three arrays rather than a node object: {@code index} holds its key's
 * hash and bucket chain, {@code links} the links of the two lists it is on (recency or stale, and a
 * timer wheel bucket), its times and weight as {@value #STRIDE} ints side by side, and
 * {@code keysAndValues} its key and value. Why not nodes: a hit relinks the recency list, six
 * reference stores into long-lived objects, and under G1 (the JVM's default) each such store pays
 * a post-write barrier, a fence and often a card to enqueue; with nodes, a hit ran 3x slower under
 * G1 than under Parallel, whose barrier is one plain store. Int stores pay no barrier, and the
 * collector never traces them. The hash table is our own, not a {@link java.util.HashMap}, for the
 * same reasons. Chains are kept apart from {@code links} so that a put, which walks its key's
 * bucket and its victim's, reads 8 bytes a slot and not a cache line; they run oldest first, so
 * that the victim is mostly first in its bucket; and a link carries its key's hash's high bits,
 * so that a walk compares ints, and a hit reads no more than the bucket, key and slot (see
 * {@code CacheBenchmark}).
 *
 * <p>The first slots are list heads (sentinels) handed to the owner: every list is circular
 * through its head, so unlinking never needs to know which list a slot is on. As a bucket chain or
 * free-list link, slot 0 (a head) means "none". A slot off every timer list links to itself.
 * Slots freed by removal are reused; a full table reuses the evicted slot, so it allocates nothing.
 */
final class SlotTable {

  // The ints of one slot in `links`. What a hit reads comes first, to share its cache line.
  static final int DEADLINE = 0; // and 1: a long, see time()
  static final int FLAGS = 2; // bit EXPIRED EvictionOrder's, the bits above TimerWheel's
  static final int EXPIRED = 1; // in FLAGS: on the stale list
  static final int PREV = 3;
  static final int NEXT = 4;
  static final int STORED = 5; // and 6
  static final int WEIGHT = 7;
  static final int TIMER_PREV = 8;
  static final int TIMER_NEXT = 9;
  static final int STRIDE = 10;
  // The ints of one slot in `index`: its key's hash, and the link to the next in its bucket (or the next free slot).
  private static final int HASH = 0;
  private static final int CHAIN = 1;

  private static final int MIN_TABLE = 16;
  private static final int MAX_TABLE = 1 << 30;
  /** Slots and table are preallocated for up to this many entries; a larger capacity grows them as it fills. */
  private static final int MAX_PREALLOCATED = 1 << 16;

  private final int capacity;
  private final int heads;
  // A bucket link (a `table` entry, 0 for none; a CHAIN) is a slot in these bits, its hash's above.
  private final int slotMask;
  private int[] table;
  private int[] index;
  private int[] links;
  private Object[] keysAndValues;
  // Slots below `used` have been handed out; freed ones are chained from `free` through CHAIN.
  private int used;
  private int free;
  private int size;
  // The sum of the WEIGHT of held slots, kept here where slots come and go.
  private long weight;

  /** The most entries a table with this many heads can index, held to what one array of a slot's 12 ints could. */
  static int maxCapacity(int heads) {
    return (Integer.MAX_VALUE - 8) / (STRIDE + 2) - heads;
  }

  /** At most {@code capacity} entries ({@link #maxCapacity}); slots 0 to heads - 1 are list heads, each an empty list of both kinds. */
  SlotTable(int capacity, int heads) {
    this.capacity = capacity;
    this.heads = heads;
    this.slotMask = -1 >>> Integer.numberOfLeadingZeros(heads + capacity - 1);
    int slots = Math.min(capacity, MAX_PREALLOCATED);
    int wanted = (int) Math.min(MAX_TABLE, slots * 4L / 3 + 1);
    table = new int[Math.max(MIN_TABLE, Integer.highestOneBit(wanted - 1) << 1)];
    index = new int[(heads + slots) * 2];
    links = new int[(heads + slots) * STRIDE];
    keysAndValues = new Object[(heads + slots) * 2];
    clear();
  }

  int size() {
    return size;
  }

  long weight() {
    return weight;
  }

  /** Sets the weight of a held slot. */
  void setWeight(int s, int w) {
    weight += w - links[s * STRIDE + WEIGHT];
    links[s * STRIDE + WEIGHT] = w;
  }

  Object key(int s) {
    return keysAndValues[s * 2];
  }

  Object value(int s) {
    return keysAndValues[s * 2 + 1];
  }

  void setValue(int s, Object value) {
    keysAndValues[s * 2 + 1] = value;
  }

  /** The long at ints {@code field} and {@code field + 1} of the slot. */
  long time(int s, int field) {
    return ((long) links[s * STRIDE + field] << 32) | (links[s * STRIDE + field + 1] & 0xFFFFFFFFL);
  }

  void setTime(int s, int field, long t) {
    int b = s * STRIDE + field;
    links[b] = (int) (t >>> 32);
    links[b + 1] = (int) t;
  }

  int get(int s, int field) {
    return links[s * STRIDE + field];
  }

  void set(int s, int field, int v) {
    links[s * STRIDE + field] = v;
  }

  // --- lists: `prev` is PREV or TIMER_PREV, and the next link is the int after it ---

  /** Moves the slot from the list of this kind it is on, if any, to the end of the list at {@code head}. */
  void moveLast(int head, int s, int prev) {
    detach(s, prev);
    int last = links[head * STRIDE + prev];
    links[s * STRIDE + prev] = last;
    links[s * STRIDE + prev + 1] = head;
    links[last * STRIDE + prev + 1] = s;
    links[head * STRIDE + prev] = s;
  }

  /** Takes the slot off its list and leaves it linked to itself; a no-op for a slot on none. */
  void unlink(int s, int prev) {
    detach(s, prev);
    links[s * STRIDE + prev] = s;
    links[s * STRIDE + prev + 1] = s;
  }

  /** Links the slot's neighbours on the list to each other; its own links are left as they were. */
  private void detach(int s, int prev) {
    int p = links[s * STRIDE + prev];
    int n = links[s * STRIDE + prev + 1];
    links[p * STRIDE + prev + 1] = n;
    links[n * STRIDE + prev] = p;
  }

  /** The first slot of the list whose head is {@code head}, or the head itself if it is empty. */
  int first(int head, int prev) {
    return links[head * STRIDE + prev + 1];
  }

  // --- the hash index ---

  /** Mixes high bits into low ones, as HashMap does, since the table index uses the low bits. */
  static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /** The key's slot, or 0. */
  int find(Object key, int hash) {
    int tag = hash & ~slotMask;
    for (int e = table[hash & (table.length - 1)]; e != 0; e = index[(e & slotMask) * 2 + CHAIN]) {
      if ((e & ~slotMask) == tag) {
        int s = e & slotMask;
        Object k = keysAndValues[s * 2];
        if (k == key || key.equals(k)) {
          return s;
        }
      }
    }
    return 0;
  }

  /** A new slot holding the key, in the index and on no list. The caller keeps size below capacity. */
  int add(Object key, int hash) {
    if (size >= table.length - (table.length >>> 2) && table.length < MAX_TABLE) {
      resize();
    }
    int s = newSlot();
    chain(s, key, hash);
    int b = s * STRIDE;
    links[b + PREV] = s;
    links[b + NEXT] = s;
    links[b + TIMER_PREV] = s;
    links[b + TIMER_NEXT] = s;
    links[b + WEIGHT] = 0;
    links[b + FLAGS] = 0;
    size++;
    return s;
  }

  /** Moves a held slot to another key's bucket, for a put into a full table; lists, weight and value stay for the caller. */
  void rekey(int s, Object key, int hash) {
    unchain(s);
    chain(s, key, hash);
  }

  /** Takes the slot out of the index and lets its key and value go. The caller unlinks it from its lists first. */
  void free(int s) {
    unchain(s);
    keysAndValues[s * 2] = null;
    keysAndValues[s * 2 + 1] = null;
    index[s * 2 + CHAIN] = free;
    free = s;
    size--;
    weight -= links[s * STRIDE + WEIGHT];
  }

  /** Frees every slot and empties every list. */
  void clear() {
    Arrays.fill(table, 0);
    Arrays.fill(keysAndValues, null);
    for (int h = 0; h < heads; h++) {
      int b = h * STRIDE;
      links[b + PREV] = links[b + NEXT] = h;
      links[b + TIMER_PREV] = links[b + TIMER_NEXT] = h;
    }
    used = heads;
    free = 0;
    size = 0;
    weight = 0;
  }

  /** A slot for a new entry: a freed one, else the next unused one, growing the arrays if needed. */
  private int newSlot() {
    if (free != 0) {
      int s = free;
      free = index[s * 2 + CHAIN];
      return s;
    }
    if (used == keysAndValues.length / 2) {
      int slots = (int) Math.min(capacity, 2L * Math.max(used - heads, MIN_TABLE));
      links = Arrays.copyOf(links, (heads + slots) * STRIDE);
      index = Arrays.copyOf(index, (heads + slots) * 2);
      keysAndValues = Arrays.copyOf(keysAndValues, (heads + slots) * 2);
    }
    return used++;
  }

  /** Gives the slot the key and puts it last in the key's bucket: a put has just walked that chain. */
  private void chain(int s, Object key, int hash) {
    index[s * 2 + HASH] = hash;
    index[s * 2 + CHAIN] = 0;
    int i = hash & (table.length - 1);
    int last = table[i] & slotMask;
    while (last != 0 && index[last * 2 + CHAIN] != 0) {
      last = index[last * 2 + CHAIN] & slotMask;
    }
    link(i, last, (hash & ~slotMask) | s);
    keysAndValues[s * 2] = key;
  }

  /** Takes the slot out of its bucket's chain. */
  private void unchain(int s) {
    int i = index[s * 2 + HASH] & (table.length - 1);
    int prev = 0;
    for (int n = table[i] & slotMask; n != s; n = index[n * 2 + CHAIN] & slotMask) {
      prev = n;
    }
    link(i, prev, index[s * 2 + CHAIN]);
  }

  /** Doubles the table; each bucket splits in two, keeping its order (see chain()). */
  private void resize() {
    int[] old = table;
    table = new int[old.length * 2];
    for (int i = 0; i < old.length; i++) {
      int low = 0;
      int high = 0;
      for (int e = old[i], next; e != 0; e = next) {
        int s = e & slotMask;
        next = index[s * 2 + CHAIN];
        index[s * 2 + CHAIN] = 0;
        if ((index[s * 2 + HASH] & old.length) == 0) {
          low = link(i, low, e);
        } else {
          high = link(i + old.length, high, e);
        }
      }
    }
  }

  /** Makes link {@code e} (0: none) follow slot {@code prev} in bucket {@code i}, or lead it if prev is 0; returns e's slot. */
  private int link(int i, int prev, int e) {
    if (prev == 0) {
      table[i] = e;
    } else {
      index[prev * 2 + CHAIN] = e;
    }
    return e & slotMask;
  }
}
