package dev.redisproxy.cache;

import java.util.HashMap;

/**
 * A bounded map with least-recently-used eviction and one global time-to-live.
 *
 * <p>Design: a {@link HashMap} from key to node, and every node threaded on two intrusive
 * doubly linked lists. The <em>recency</em> list runs from least to most recently used; a hit
 * moves the node to its tail, and eviction takes its head. The <em>age</em> list runs in
 * insertion order; because the TTL is the same for every entry and is measured from insertion,
 * insertion order is also expiry order, so expired entries are always at the head of the age
 * list and purging them never scans a live entry. Every operation is O(1), purging amortised
 * O(1) per inserted entry.
 *
 * <p>Not thread-safe by design: exactly one verticle owns an instance and touches it from its
 * event loop only. Time comes from the injected {@link Ticker}. No Vert.x types appear here.
 */
public final class LruTtlCache<K, V> {

  private final int capacity;
  private final long ttlNanos;
  private final Ticker ticker;
  private final HashMap<K, Node<K, V>> index;
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
    // Sized so that a full cache never rehashes; capped so a huge capacity does not pre-allocate.
    this.index = new HashMap<>(Math.min(capacity, 1 << 16) * 4 / 3 + 1);
  }

  /** The value if present and not expired, counting as a use; otherwise null. */
  public V get(K key) {
    Node<K, V> node = index.get(key);
    if (node == null) {
      return null;
    }
    if (ticker.nanos() - node.insertedAt >= ttlNanos) {
      unlink(node);
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
    if (capacity == 0) {
      return;
    }
    long now = ticker.nanos();
    purgeExpired(now);
    Node<K, V> existing = index.get(key);
    if (existing != null) {
      unlink(existing);
    } else if (index.size() >= capacity) {
      unlink(recency.next);
      evictions++;
    }
    Node<K, V> node = new Node<>(key, value, now);
    index.put(key, node);
    node.linkRecencyBefore(recency);
    node.linkAgeBefore(age);
  }

  /** Removes the key; true if it was present (expired or not). */
  public boolean remove(K key) {
    Node<K, V> node = index.get(key);
    if (node == null) {
      return false;
    }
    unlink(node);
    return true;
  }

  /** Removes every entry. Counters are kept. */
  public void clear() {
    index.clear();
    recency.next = recency.prev = recency;
    age.ageNext = age.agePrev = age;
  }

  /** Drops every expired entry; returns how many. */
  public int purgeExpired() {
    return purgeExpired(ticker.nanos());
  }

  private int purgeExpired(long now) {
    int purged = 0;
    Node<K, V> oldest = age.ageNext;
    while (oldest != age && now - oldest.insertedAt >= ttlNanos) {
      unlink(oldest);
      purged++;
      oldest = age.ageNext;
    }
    expirations += purged;
    return purged;
  }

  private void unlink(Node<K, V> node) {
    index.remove(node.key);
    node.unlinkRecency();
    node.unlinkAge();
  }

  /** Entries held, including expired ones not yet purged. */
  public int size() {
    return index.size();
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

  private static final class Node<K, V> {
    final K key;
    final V value;
    final long insertedAt;
    Node<K, V> prev;
    Node<K, V> next;
    Node<K, V> agePrev;
    Node<K, V> ageNext;

    Node(K key, V value, long insertedAt) {
      this.key = key;
      this.value = value;
      this.insertedAt = insertedAt;
    }

    static <K, V> Node<K, V> sentinel() {
      Node<K, V> s = new Node<>(null, null, 0);
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
