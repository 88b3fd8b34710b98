package dev.redisproxy.cache;

import java.util.List;

/**
 * A map bounded in keys and in bytes, with least-recently-used eviction, a lifetime per entry and
 * an optional grace period during which an expired entry can still be read as stale.
 *
 * <p>Design, one concern per class: a chained hash table of slots ({@link SlotTable}: why slots
 * are ints and not nodes); two lists through the slots that say which entry goes next
 * ({@link EvictionOrder}: recency, and expired entries kept for their grace); a {@link TimerWheel}
 * where each entry waits for its deadline, then, if kept stale, the end of its grace. Every
 * operation is O(1), expiry amortised O(1) per entry whatever the mix of lifetimes. A read checks the entry's own deadline,
 * so no entry is returned at or after it; the wheel only reclaims memory, up to one wheel tick
 * (16.8 ms) late, or exactly at {@link #purgeExpired(long)}.
 *
 * <p>Bounds: an entry weighs its key's and value's bytes, as the caller counts them, plus
 * {@link #ENTRY_OVERHEAD}; {@link #bytes()} is the exact sum. A put first evicts until both bounds
 * hold: stale entries before live ones (they serve only while Redis fails), then the least
 * recently used. An entry over 1/{@value #MAX_ENTRY_SHARE} of the byte budget is refused, so one
 * value cannot flush most of the cache. 0 keys or 0 bytes stores nothing. A known-missing key is
 * an entry whose value is a marker the owner picks and compares by identity.
 *
 * <p>Plain Java, not thread-safe by design: one verticle owns an instance, on its event loop. Time
 * comes from the caller ({@code now}, a {@link Ticker} reading), so that a batch of keys reads the
 * clock once: on a virtual machine's clock a reading costs about a whole hit. A time may be earlier
 * than one passed before: a get its batch's start, a put the time its read was sent.
 */
public final class LruTtlCache<K, V> {

  /** What a put did: TOO_LARGE is over {@link #maxEntryBytes()}; NOT_STORED, caching off or no lifetime left. */
  public enum Put { STORED, TOO_LARGE, NOT_STORED }

  /**
   * Bytes an entry takes beyond its key's and value's as the cache verticle stores it (a {@link Key}
   * and a {@code byte[]}): its slot (12 ints in two arrays, two references: 56), its share of the hash table (4
   * bytes per bucket, 5.3 to 10.7 per entry), the key wrapper and two array headers (24 + 16 + 16),
   * their padding to 8 bytes (up to 7 each), and G1's rounding of the slot arrays to regions.
   * {@code MemoryFootprint} measures 128 for a million entries of 16-byte keys and 64-byte values
   * (no padding); this adds the worst padding and the emptiest table: never under-counted.
   */
  public static final int ENTRY_OVERHEAD = 144;
  public static final int MAX_ENTRY_SHARE = 8; // an entry may weigh at most 1/n of the byte budget
  // Lifetimes and grace are cut to this (36 years), so that now + lifetime cannot overflow.
  private static final long MAX_LIFETIME = 1L << 60;

  // The slot table's list heads: the eviction order's, then the timer wheel's.
  private static final int FIRST_TIMER = EvictionOrder.HEADS;
  private static final int HEADS = FIRST_TIMER + TimerWheel.BUCKETS;
  /** The most keys the slot arrays can index; a larger capacity is cut to this. */
  public static final int MAX_CAPACITY = SlotTable.maxCapacity(HEADS);

  private final int capacity;
  private final long maxBytes;
  private final long ttlNanos;
  private final long graceNanos;
  private final Ticker ticker;
  private final SlotTable slots;
  private final EvictionOrder order;
  private final TimerWheel wheel;
  private final TimerWheel.Owner onTimer = this::onTimer;
  // Copied from the slot at each hit, so that the owner can send an Age without a second lookup.
  private long lastHitStoredAt;
  private long evictions;
  private long expirations;

  /** A cache bounded in keys only, with one lifetime for all and no grace. */
  public LruTtlCache(int capacity, long ttlNanos, Ticker ticker) {
    this(capacity, Long.MAX_VALUE, ttlNanos, 0, ticker);
  }

  /**
   * @param maxBytes   most bytes, summing each entry's weight
   * @param ttlNanos   longest lifetime (> 0): longer ones passed to put are cut to it
   * @param graceNanos how long past its lifetime an entry is kept for {@link #getStale} (>= 0)
   */
  public LruTtlCache(int capacity, long maxBytes, long ttlNanos, long graceNanos, Ticker ticker) {
    if (capacity < 0 || maxBytes < 0 || ttlNanos <= 0 || graceNanos < 0) {
      throw new IllegalArgumentException("need capacity, maxBytes, grace >= 0 and ttl > 0");
    }
    this.capacity = Math.min(capacity, MAX_CAPACITY);
    this.maxBytes = maxBytes;
    this.ttlNanos = Math.min(ttlNanos, MAX_LIFETIME);
    this.graceNanos = Math.min(graceNanos, MAX_LIFETIME);
    this.ticker = ticker;
    this.slots = new SlotTable(this.capacity, HEADS);
    this.order = new EvictionOrder(slots);
    this.wheel = new TimerWheel(slots, FIRST_TIMER);
  }

  /** As {@link #get(Object, long)}, reading the clock; the other forms without a time alike. */
  public V get(K key) {
    return get(key, ticker.nanos());
  }

  /** The value if held and {@code now} is before its deadline, counting as a use; otherwise null. */
  @SuppressWarnings("unchecked")
  public V get(K key, long now) {
    int s = slots.find(key, SlotTable.spread(key.hashCode()));
    if (s == 0) {
      return null;
    }
    if (!order.isLive(s) || now - slots.time(s, SlotTable.DEADLINE) >= 0) {
      expireOnRead(s, now);
      return null;
    }
    order.touch(s);
    lastHitStoredAt = slots.time(s, SlotTable.STORED);
    return (V) slots.value(s);
  }

  /** For when Redis fails: the value if held and {@code now} is before its deadline plus grace, live or stale; not a use. */
  @SuppressWarnings("unchecked")
  public V getStale(K key, long now) {
    int s = slots.find(key, SlotTable.spread(key.hashCode()));
    if (s == 0 || now - slots.time(s, SlotTable.DEADLINE) >= graceNanos) {
      return null;
    }
    lastHitStoredAt = slots.time(s, SlotTable.STORED);
    return (V) slots.value(s);
  }

  /** When the value the last non-null {@link #get} or {@link #getStale} returned was put, in ticker nanos. */
  public long lastHitStoredAt() {
    return lastHitStoredAt;
  }

  /** Stores the value with the cache's TTL as its lifetime and a weight of {@link #ENTRY_OVERHEAD}; {@code now} optional. */
  public Put put(K key, V value) {
    return put(key, value, ticker.nanos());
  }

  public Put put(K key, V value, long now) {
    return put(key, value, 0, ttlNanos, now);
  }

  /**
   * Stores the value, replacing the key's entry and counting as a use. Entries due by {@code now}
   * are purged first; then entries go as the class comment says until this one fits. A value that
   * is not stored drops the key's entry all the same: it is older than the value refused.
   *
   * @param bytes         the key's and value's bytes (>= 0); the entry weighs this plus {@link #ENTRY_OVERHEAD}
   * @param lifetimeNanos how long from {@code now} the entry may be returned by get; cut to the TTL
   */
  public Put put(K key, V value, long bytes, long lifetimeNanos, long now) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
    }
    if (capacity == 0 || maxBytes == 0) {
      return Put.NOT_STORED;
    }
    wheel.advance(now, onTimer);
    int hash = SlotTable.spread(key.hashCode());
    int s = slots.find(key, hash);
    long weight = bytes + ENTRY_OVERHEAD;
    long lifetime = Math.min(lifetimeNanos, ttlNanos);
    boolean tooLarge = tooLarge(bytes);
    if (tooLarge || lifetime <= 0) {
      if (s != 0) {
        drop(s);
      }
      return tooLarge ? Put.TOO_LARGE : Put.NOT_STORED;
    }
    if (s != 0) {
      // Off the recency list, so that making room never evicts the entry being replaced.
      order.remove(s);
      slots.setWeight(s, 0);
    }
    s = makeRoom(s, key, hash, weight, now);
    slots.setValue(s, value);
    slots.setWeight(s, (int) weight);
    slots.setTime(s, SlotTable.STORED, now);
    slots.setTime(s, SlotTable.DEADLINE, now + lifetime);
    order.addLive(s);
    wheel.schedule(s, now + lifetime);
    return Put.STORED;
  }

  /** Removes the key's entry for good, live or stale; true if there was one. */
  public boolean remove(K key) {
    int s = slots.find(key, SlotTable.spread(key.hashCode()));
    if (s == 0) {
      return false;
    }
    drop(s);
    return true;
  }

  /** Removes every entry, live or stale. Counters are kept. */
  public void clear() {
    slots.clear();
  }

  public int purgeExpired() {
    return purgeExpired(ticker.nanos());
  }

  /** Drops every entry whose lifetime and grace have passed by {@code now}, and marks stale those only past their lifetime; returns how many were dropped. */
  public int purgeExpired(long now) {
    long before = expirations;
    wheel.sweep(now, onTimer);
    return (int) (expirations - before);
  }

  /** Entries held: live, stale, and expired ones not yet purged or found by a read. */
  public int size() {
    return slots.size();
  }

  public int capacity() {
    return capacity;
  }

  /** The weight of the entries held, in bytes: keys, values and {@link #ENTRY_OVERHEAD} each. */
  public long bytes() {
    return slots.weight();
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** The heaviest entry put accepts: 1/{@value #MAX_ENTRY_SHARE} of {@link #maxBytes()}. */
  public long maxEntryBytes() {
    return Math.min(maxBytes / MAX_ENTRY_SHARE, Integer.MAX_VALUE);
  }

  /** Whether put refuses an entry of {@code bytes} (key and value) as {@link Put#TOO_LARGE}. */
  public boolean tooLarge(long bytes) {
    return bytes + ENTRY_OVERHEAD > maxEntryBytes();
  }

  /** Entries removed to make room before their lifetime and grace had passed, since creation. */
  public long evictions() {
    return evictions;
  }

  /** Entries removed because their lifetime and grace had passed, since creation. */
  public long expirations() {
    return expirations;
  }

  /** The keys on the recency list, least recently used first; O(n), for tests. */
  @SuppressWarnings("unchecked")
  List<K> recencyOrder() {
    return (List<K>) order.recencyOrder();
  }

  /**
   * Evicts until an entry of this weight fits, and for a new key ({@code s} 0) a key more; returns
   * {@code s}, or for a new key the last slot evicted (still on its lists), else a new slot.
   */
  private int makeRoom(int s, K key, int hash, long weight, long now) {
    while ((s == 0 && slots.size() >= capacity) || slots.weight() + weight > maxBytes) {
      int victim = order.victim();
      if (now - slots.time(victim, SlotTable.DEADLINE) >= graceNanos) {
        expirations++;
      } else {
        evictions++;
      }
      if (s == 0 && slots.weight() - slots.get(victim, SlotTable.WEIGHT) + weight <= maxBytes) {
        slots.rekey(victim, key, hash);
        return victim;
      }
      drop(victim);
    }
    return s != 0 ? s : slots.add(key, hash);
  }

  /** A read found the entry past its deadline: it waits out its grace on the stale list, or goes. */
  private void expireOnRead(int s, long now) {
    if (now - slots.time(s, SlotTable.DEADLINE) < graceNanos) {
      order.markStale(s);
    } else {
      drop(s);
      expirations++;
    }
  }

  /** The wheel's call for a slot whose bucket came up: not due yet, due to turn stale, or due to go. */
  private void onTimer(int s, long now) {
    long deadline = slots.time(s, SlotTable.DEADLINE);
    if (now - deadline < 0) {
      wheel.schedule(s, deadline);
    } else if (now - deadline < graceNanos) {
      order.markStale(s);
      wheel.schedule(s, deadline + graceNanos);
    } else {
      drop(s);
      expirations++;
    }
  }

  /** Removes the entry for good. */
  private void drop(int s) {
    order.remove(s);
    wheel.unschedule(s);
    slots.free(s);
  }
}
