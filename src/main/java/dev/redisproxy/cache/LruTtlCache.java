package dev.redisproxy.cache;

import java.util.Arrays;

/**
 * A bounded map with least-recently-used eviction and one global time-to-live.
 *
 * <p>Design: a chained hash table whose nodes are also threaded on two intrusive doubly linked
 * lists. The <em>recency</em> list runs from least to most recently used; a hit moves the node to
 * its tail, and eviction takes its head. The <em>age</em> list runs in insertion order; because
 * the TTL is the same for every entry and is measured from insertion, insertion order is also
 * expiry order, so expired entries are always at the head of the age list and purging them never
 * scans a live entry. Every operation is O(1), purging amortised O(1) per inserted entry.
 *
 * <p>The hash table is our own rather than a {@link java.util.HashMap} so that one node per entry
 * serves as bucket entry and list element: a HashMap would add a 32-byte node of its own to every
 * entry, and a second hash lookup to every put (see {@code MemoryFootprint} and
 * {@code CacheBenchmark} in {@code src/bench}).
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
  /** Table slots are preallocated up to this many; a larger capacity grows the table as it fills. */
  private static final int MAX_PREALLOCATED = 1 << 16;

  private final int capacity;
  private final long ttlNanos;
  private final Ticker ticker;
  private Node<K, V>[] table;
  private int size;
  // Sentinel heads of the two circular lists; they hold no entry.
  private final Node<K, V> recency = Node.sentinel();
  private final Node<K, V> age = Node.sentinel();

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
    this.capacity = capacity;
    this.ttlNanos = ttlNanos;
    this.ticker = ticker;
    this.table = newTable(tableSizeFor(Math.min(capacity, MAX_PREALLOCATED)));
  }

  /** The value if present and not expired, counting as a use; otherwise null. Reads the clock. */
  public V get(K key) {
    return get(key, ticker.nanos());
  }

  /**
   * As {@link #get(Object)}, at time {@code now} (a reading of this cache's {@link Ticker}, see the
   * class comment): the owner reads the clock once for a batch of operations.
   */
  public V get(K key, long now) {
    Node<K, V> node = find(key, spread(key.hashCode()));
    if (node == null) {
      return null;
    }
    if (now - node.insertedAt >= ttlNanos) {
      remove(node);
      expirations++;
      return null;
    }
    node.unlinkRecency();
    node.linkRecencyBefore(recency);
    return node.value;
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
    Node<K, V> existing = find(key, hash);
    if (existing != null) {
      remove(existing);
    } else if (size >= capacity) {
      remove(recency.next);
      evictions++;
    }
    Node<K, V> node = new Node<>(key, value, hash, now);
    insert(node);
    node.linkRecencyBefore(recency);
    node.linkAgeBefore(age);
  }

  /** Removes the key; true if it was present (expired or not). */
  public boolean remove(K key) {
    Node<K, V> node = find(key, spread(key.hashCode()));
    if (node == null) {
      return false;
    }
    remove(node);
    return true;
  }

  /** Removes every entry. Counters are kept. */
  public void clear() {
    Arrays.fill(table, null);
    size = 0;
    recency.next = recency.prev = recency;
    age.ageNext = age.agePrev = age;
  }

  /** Drops every expired entry; returns how many. */
  public int purgeExpired() {
    return purgeExpired(ticker.nanos());
  }

  /** As {@link #purgeExpired()}, at time {@code now} (see {@link #get(Object, long)}). */
  public int purgeExpired(long now) {
    int purged = 0;
    Node<K, V> oldest = age.ageNext;
    while (oldest != age && now - oldest.insertedAt >= ttlNanos) {
      remove(oldest);
      purged++;
      oldest = age.ageNext;
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

  // --- the hash table ---

  /** Mixes high bits into low ones, as HashMap does, since the table index uses the low bits. */
  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  private Node<K, V> find(K key, int hash) {
    Node<K, V> n = table[hash & (table.length - 1)];
    while (n != null && (n.hash != hash || !n.key.equals(key))) {
      n = n.chain;
    }
    return n;
  }

  private void insert(Node<K, V> node) {
    if (size >= table.length - (table.length >>> 2) && table.length < MAX_TABLE) {
      resize();
    }
    int i = node.hash & (table.length - 1);
    node.chain = table[i];
    table[i] = node;
    size++;
  }

  /** Unlinks the node from its bucket and both lists. */
  private void remove(Node<K, V> node) {
    int i = node.hash & (table.length - 1);
    Node<K, V> n = table[i];
    if (n == node) {
      table[i] = node.chain;
    } else {
      while (n.chain != node) {
        n = n.chain;
      }
      n.chain = node.chain;
    }
    node.chain = null;
    size--;
    node.unlinkRecency();
    node.unlinkAge();
  }

  private void resize() {
    Node<K, V>[] old = table;
    table = newTable(old.length * 2);
    int mask = table.length - 1;
    for (Node<K, V> head : old) {
      for (Node<K, V> n = head; n != null; ) {
        Node<K, V> next = n.chain;
        int i = n.hash & mask;
        n.chain = table[i];
        table[i] = n;
        n = next;
      }
    }
  }

  private static int tableSizeFor(int entries) {
    int wanted = Math.max(MIN_TABLE, (int) Math.min(MAX_TABLE, entries * 4L / 3 + 1));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  @SuppressWarnings("unchecked")
  private static <K, V> Node<K, V>[] newTable(int length) {
    return (Node<K, V>[]) new Node[length];
  }

  /** One entry: bucket chain, recency list and age list in one object. */
  private static final class Node<K, V> {
    final K key;
    final V value;
    final int hash;
    final long insertedAt;
    Node<K, V> chain;
    Node<K, V> prev;
    Node<K, V> next;
    Node<K, V> agePrev;
    Node<K, V> ageNext;

    Node(K key, V value, int hash, long insertedAt) {
      this.key = key;
      this.value = value;
      this.hash = hash;
      this.insertedAt = insertedAt;
    }

    static <K, V> Node<K, V> sentinel() {
      Node<K, V> s = new Node<>(null, null, 0, 0);
      s.prev = s.next = s;
      s.agePrev = s.ageNext = s;
      return s;
    }

    void linkRecencyBefore(Node<K, V> head) {
      prev = head.prev;
      next = head;
      head.prev.next = this;
      head.prev = this;
    }

    void unlinkRecency() {
      prev.next = next;
      next.prev = prev;
    }

    void linkAgeBefore(Node<K, V> head) {
      agePrev = head.agePrev;
      ageNext = head;
      head.agePrev.ageNext = this;
      head.agePrev = this;
    }

    void unlinkAge() {
      agePrev.ageNext = ageNext;
      ageNext.agePrev = agePrev;
    }
  }
}
