package dev.redisproxy.cache;

import java.util.Arrays;

/**
 * A bounded map with least-recently-used eviction and one global time-to-live.
 *
 * <p>Design: a chained hash table whose entries are also threaded on two intrusive doubly linked
 * lists. The <em>recency</em> list runs from least to most recently used; a hit moves the entry to
 * its tail, and eviction takes its head. The <em>age</em> list runs in insertion order; because
 * the TTL is the same for every entry and is measured from insertion, insertion order is also
 * expiry order, so expired entries are always at the head of the age list and purging them never
 * scans a live entry. Every operation is O(1), purging amortised O(1) per inserted entry.
 *
 * <p>An entry is a <em>slot</em>, an index into two arrays rather than a node object: {@code links}
 * holds its hash, bucket chain, both lists' links and insertion time as eight ints side by side
 * (one or two cache lines), {@code keysAndValues} its key and value side by side. Slot 0 is the
 * head of both circular lists and, as a link, means "none". Why not nodes: a hit relinks the
 * recency list, six reference stores into long-lived objects, and under G1 (the JVM's default)
 * each such store pays a post-write barrier, a fence and often a card to enqueue; with nodes, a hit
 * ran 3x slower under G1 than under the Parallel collector, whose barrier is one plain store. Int
 * stores pay no barrier, and the collector never traces the links. Slots also take 16 bytes less
 * per entry than a 56-byte node and its table slot. The hash table
 * is our own, not a {@link java.util.HashMap}, for the same reasons (see {@code CacheBenchmark} and
 * {@code MemoryFootprint} in {@code src/bench}). Slots freed by removal or expiry are reused; a full
 * cache reuses the evicted slot, so it allocates nothing.
 *
 * <p>Not thread-safe by design: exactly one verticle owns an instance and touches it from its
 * event loop only. No Vert.x types appear here.
 *
 * <p>Time comes from the injected {@link Ticker}. Each operation also has a form that takes the
 * time from the caller ({@code get(key, now)}), so that an owner answering a batch of keys reads
 * the clock once per batch rather than once per key: on a virtual machine's clock a reading costs
 * about as much as a whole hit. The times passed must be readings of the same ticker and must not
 * go backwards from one call to the next, or the age list would no longer be in expiry order.
 */
public final class LruTtlCache<K, V> {

  private static final int MIN_TABLE = 16;
  private static final int MAX_TABLE = 1 << 30;
  /** Slots and table are preallocated for up to this many entries; a larger capacity grows them as it fills. */
  private static final int MAX_PREALLOCATED = 1 << 16;

  // The ints of one slot in `links`, and how many there are.
  private static final int HASH = 0;
  private static final int CHAIN = 1;
  private static final int PREV = 2;
  private static final int NEXT = 3;
  private static final int AGE_PREV = 4;
  private static final int AGE_NEXT = 5;
  private static final int TIME_HIGH = 6;
  private static final int TIME_LOW = 7;
  private static final int STRIDE = 8;
  /** The most slots an int array can index with {@link #STRIDE}; a larger capacity is cut to this. */
  public static final int MAX_CAPACITY = (Integer.MAX_VALUE - 8) / STRIDE - 1;

  private final int capacity;
  private final long ttlNanos;
  private final Ticker ticker;
  // Bucket heads: slot numbers, 0 for an empty bucket.
  private int[] table;
  private int[] links;
  private Object[] keysAndValues;
  // Slots 1..used have been handed out; freed ones are chained from `free` through CHAIN.
  private int used;
  private int free;
  private int size;

  private long evictions;
  private long expirations;

  /**
   * @param capacity maximum number of keys; 0 stores nothing
   * @param ttlNanos how long an entry may be served after it was put, in nanoseconds (> 0)
   * @param ticker   the clock
   */
  public LruTtlCache(int capacity, long ttlNanos, Ticker ticker) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0: " + capacity);
    }
    if (ttlNanos <= 0) {
      throw new IllegalArgumentException("ttl must be > 0: " + ttlNanos);
    }
    this.capacity = Math.min(capacity, MAX_CAPACITY);
    this.ttlNanos = ttlNanos;
    this.ticker = ticker;
    int slots = Math.min(this.capacity, MAX_PREALLOCATED);
    this.table = new int[tableSizeFor(slots)];
    this.links = new int[(slots + 1) * STRIDE];
    this.keysAndValues = new Object[(slots + 1) * 2];
  }

  /** The value if present and not expired, counting as a use; otherwise null. Reads the clock. */
  public V get(K key) {
    return get(key, ticker.nanos());
  }

  /**
   * As {@link #get(Object)}, at time {@code now} (a reading of this cache's {@link Ticker}, see the
   * class comment): the owner reads the clock once for a batch of operations.
   */
  @SuppressWarnings("unchecked")
  public V get(K key, long now) {
    int s = find(key, spread(key.hashCode()));
    if (s == 0) {
      return null;
    }
    if (now - insertedAt(s) >= ttlNanos) {
      drop(s);
      expirations++;
      return null;
    }
    if (links[PREV] != s) {
      unlink(s, PREV, NEXT);
      linkLast(s, PREV, NEXT);
    }
    return (V) keysAndValues[s * 2 + 1];
  }

  /**
   * Stores the value, restarting its TTL. Expired entries are purged first; then, if the cache is
   * full, the least recently used entry is evicted.
   */
  public void put(K key, V value) {
    put(key, value, ticker.nanos());
  }

  /** As {@link #put(Object, Object)}, at time {@code now} (see {@link #get(Object, long)}). */
  public void put(K key, V value, long now) {
    if (capacity == 0) {
      return;
    }
    purgeExpired(now);
    int hash = spread(key.hashCode());
    int s = find(key, hash);
    if (s != 0) {
      detach(s);
    } else {
      if (size >= capacity) {
        s = links[NEXT];
        detach(s);
        evictions++;
      } else {
        s = newSlot();
      }
      keysAndValues[s * 2] = key;
    }
    keysAndValues[s * 2 + 1] = value;
    int b = s * STRIDE;
    links[b + HASH] = hash;
    links[b + TIME_HIGH] = (int) (now >>> 32);
    links[b + TIME_LOW] = (int) now;
    attach(s);
  }

  /** Removes the key; true if it was present (expired or not). */
  public boolean remove(K key) {
    int s = find(key, spread(key.hashCode()));
    if (s == 0) {
      return false;
    }
    drop(s);
    return true;
  }

  /** Removes every entry. Counters are kept. */
  public void clear() {
    Arrays.fill(table, 0);
    Arrays.fill(keysAndValues, null);
    Arrays.fill(links, 0, STRIDE, 0);
    used = 0;
    free = 0;
    size = 0;
  }

  /** Drops every expired entry; returns how many. */
  public int purgeExpired() {
    return purgeExpired(ticker.nanos());
  }

  /** As {@link #purgeExpired()}, at time {@code now} (see {@link #get(Object, long)}). */
  public int purgeExpired(long now) {
    int purged = 0;
    for (int s = links[AGE_NEXT]; s != 0 && now - insertedAt(s) >= ttlNanos; s = links[AGE_NEXT]) {
      drop(s);
      purged++;
    }
    expirations += purged;
    return purged;
  }

  /** Entries held, including expired ones not yet purged. */
  public int size() {
    return size;
  }

  public int capacity() {
    return capacity;
  }

  /** Entries removed to make room, since creation. */
  public long evictions() {
    return evictions;
  }

  /** Entries removed because their TTL had passed, since creation. */
  public long expirations() {
    return expirations;
  }

  // --- slots ---

  private long insertedAt(int s) {
    int b = s * STRIDE;
    return ((long) links[b + TIME_HIGH] << 32) | (links[b + TIME_LOW] & 0xFFFFFFFFL);
  }

  /** A slot for a new entry: a freed one, else the next unused one, growing the arrays if needed. */
  private int newSlot() {
    if (free != 0) {
      int s = free;
      free = links[s * STRIDE + CHAIN];
      return s;
    }
    if (used == keysAndValues.length / 2 - 1) {
      int slots = (int) Math.min(capacity, 2L * Math.max(used, MIN_TABLE));
      links = Arrays.copyOf(links, (slots + 1) * STRIDE);
      keysAndValues = Arrays.copyOf(keysAndValues, (slots + 1) * 2);
    }
    return ++used;
  }

  /** Removes the entry for good, letting its key and value go. */
  private void drop(int s) {
    detach(s);
    keysAndValues[s * 2] = null;
    keysAndValues[s * 2 + 1] = null;
    links[s * STRIDE + CHAIN] = free;
    free = s;
  }

  /** Puts the slot in its bucket and at the tail of both lists. */
  private void attach(int s) {
    if (size >= table.length - (table.length >>> 2) && table.length < MAX_TABLE) {
      resize();
    }
    int b = s * STRIDE;
    int i = links[b + HASH] & (table.length - 1);
    links[b + CHAIN] = table[i];
    table[i] = s;
    linkLast(s, PREV, NEXT);
    linkLast(s, AGE_PREV, AGE_NEXT);
    size++;
  }

  /** Takes the slot out of its bucket and both lists; the slot keeps its key and value. */
  private void detach(int s) {
    int b = s * STRIDE;
    int i = links[b + HASH] & (table.length - 1);
    int n = table[i];
    if (n == s) {
      table[i] = links[b + CHAIN];
    } else {
      while (links[n * STRIDE + CHAIN] != s) {
        n = links[n * STRIDE + CHAIN];
      }
      links[n * STRIDE + CHAIN] = links[b + CHAIN];
    }
    unlink(s, PREV, NEXT);
    unlink(s, AGE_PREV, AGE_NEXT);
    size--;
  }

  /** Links the slot before slot 0 (at the tail) of the list whose link ints are prev and next. */
  private void linkLast(int s, int prev, int next) {
    int last = links[prev];
    links[s * STRIDE + prev] = last;
    links[s * STRIDE + next] = 0;
    links[last * STRIDE + next] = s;
    links[prev] = s;
  }

  private void unlink(int s, int prev, int next) {
    int p = links[s * STRIDE + prev];
    int n = links[s * STRIDE + next];
    links[p * STRIDE + next] = n;
    links[n * STRIDE + prev] = p;
  }

  // --- the hash table ---

  /** Mixes high bits into low ones, as HashMap does, since the table index uses the low bits. */
  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /** The key's slot, or 0. */
  private int find(Object key, int hash) {
    for (int s = table[hash & (table.length - 1)]; s != 0; s = links[s * STRIDE + CHAIN]) {
      if (links[s * STRIDE + HASH] == hash) {
        Object k = keysAndValues[s * 2];
        if (k == key || key.equals(k)) {
          return s;
        }
      }
    }
    return 0;
  }

  private void resize() {
    int[] old = table;
    table = new int[old.length * 2];
    int mask = table.length - 1;
    for (int head : old) {
      for (int s = head; s != 0; ) {
        int b = s * STRIDE;
        int next = links[b + CHAIN];
        int i = links[b + HASH] & mask;
        links[b + CHAIN] = table[i];
        table[i] = s;
        s = next;
      }
    }
  }

  private static int tableSizeFor(int entries) {
    int wanted = Math.max(MIN_TABLE, (int) Math.min(MAX_TABLE, entries * 4L / 3 + 1));
    return Integer.highestOneBit(wanted - 1) << 1;
  }
}
