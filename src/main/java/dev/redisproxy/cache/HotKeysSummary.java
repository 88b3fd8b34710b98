package dev.redisproxy.cache;

import java.util.Arrays;

/**
 * Space-Saving over a stream of keys, with the stream-summary structure: Metwally, Agrawal and
 * El Abbadi, "Efficient Computation of Frequent and Top-k Elements in Data Streams", ICDT 2005.
 *
 * <p>At most {@code capacity} keys are monitored. A monitored key's counter goes up by one per
 * occurrence; an unmonitored key takes over the counter with the smallest count, inheriting that
 * count as its {@code error}. So after {@code N} offers every key occurring more than
 * {@code N / capacity} times is monitored, and a monitored key's true count lies in
 * {@code [count - error, count]}: exact when {@code error} is 0.
 *
 * <p>The stream summary keeps the counters in buckets of equal count, the buckets in a list by
 * ascending count, so an increment moves a counter to the next bucket and the smallest counter is
 * the head of the first bucket: O(1) per offer. Everything is in arrays indexed by counter or
 * bucket number, and keys are found through an open-addressing table of counter numbers, so an
 * offer allocates nothing. Each counter also counts the offers marked as misses since its key took it.
 *
 * <p>Not thread-safe: owned by the cache verticle's event loop.
 */
final class HotKeysSummary {

  private static final int NONE = -1;
  // Counter numbers fit in the low bits of a sort key in scaleDown.
  private static final int INDEX_BITS = 20;
  static final int MAX_CAPACITY = 1 << INDEX_BITS;

  private final int capacity;
  // Counter c: its key, count, inherited error, misses, bucket and neighbours within the bucket.
  private final Key[] keys;
  private final long[] counts;
  private final long[] errors;
  private final long[] misses;
  private final int[] bucketOf;
  private final int[] nextInBucket;
  private final int[] prevInBucket;
  private int size;

  // Bucket b: its count, first counter, and neighbours in the list by ascending count.
  private final long[] bucketCount;
  private final int[] bucketHead;
  private final int[] bucketNext;
  private final int[] bucketPrev;
  private final int[] freeBuckets;
  private int freeBucketCount;
  private int minBucket = NONE;

  // Open addressing, linear probing, counter number + 1 (0 = empty); at most half full. Probes
  // compare hashOf[counter], so a walk touches no Key object but its match.
  private final int[] table;
  private final int[] hashOf;
  private final int mask;

  HotKeysSummary(int capacity) {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("capacity must be from 1 to " + MAX_CAPACITY + ": " + capacity);
    }
    this.capacity = capacity;
    keys = new Key[capacity];
    counts = new long[capacity];
    errors = new long[capacity];
    misses = new long[capacity];
    bucketOf = new int[capacity];
    nextInBucket = new int[capacity];
    prevInBucket = new int[capacity];
    bucketCount = new long[capacity];
    bucketHead = new int[capacity];
    bucketNext = new int[capacity];
    bucketPrev = new int[capacity];
    freeBuckets = new int[capacity];
    table = new int[Integer.highestOneBit(capacity * 2 - 1) << 1];
    hashOf = new int[capacity];
    mask = table.length - 1;
    clear();
  }

  /** Counts one occurrence of the key; {@code miss} also counts it as a miss. */
  void offer(Key key, boolean miss) {
    int h = slotHash(key);
    int c = find(key, h);
    if (c == NONE) {
      c = take(key, h);
    } else {
      increment(c);
    }
    if (miss) {
      misses[c]++;
    }
  }

  /** Forgets every key, keeping the arrays. */
  void clear() {
    Arrays.fill(keys, null);
    Arrays.fill(table, 0);
    size = 0;
    minBucket = NONE;
    for (int b = 0; b < capacity; b++) {
      freeBuckets[b] = capacity - 1 - b;
    }
    freeBucketCount = capacity;
  }

  /**
   * Divides every count (and error and misses) by {@code 2^bits}, dropping the counters that reach 0:
   * the summary then counts in units of {@code 2^bits} offers. O(capacity log capacity), and rare.
   */
  void scaleDown(int bits) {
    long[] order = new long[size];
    int live = 0;
    for (int c = 0; c < size; c++) {
      long n = counts[c] >>> bits;
      if (n > 0) {
        order[live++] = (n << INDEX_BITS) | c;
      }
    }
    Arrays.sort(order, 0, live);
    Key[] oldKeys = keys.clone();
    long[] oldErrors = errors.clone();
    long[] oldMisses = misses.clone();
    clear();
    int last = NONE;
    for (int i = 0; i < live; i++) {
      int old = (int) (order[i] & (MAX_CAPACITY - 1));
      long n = order[i] >>> INDEX_BITS;
      int c = size++;
      keys[c] = oldKeys[old];
      counts[c] = n;
      errors[c] = oldErrors[old] >>> bits;
      misses[c] = oldMisses[old] >>> bits;
      if (last == NONE || bucketCount[last] != n) {
        last = newBucket(n, last, NONE);
      }
      attach(c, last);
      index(c, slotHash(keys[c]));
    }
  }

  int size() {
    return size;
  }

  Key key(int c) {
    return keys[c];
  }

  long count(int c) {
    return counts[c];
  }

  long error(int c) {
    return errors[c];
  }

  long misses(int c) {
    return misses[c];
  }

  /** The counter a new key gets: a fresh one while there is room, else the smallest one's. */
  private int take(Key key, int h) {
    int c;
    if (size < capacity) {
      c = size++;
      counts[c] = 1;
      errors[c] = 0;
      if (minBucket != NONE && bucketCount[minBucket] == 1) {
        attach(c, minBucket);
      } else {
        attach(c, newBucket(1, NONE, minBucket));
      }
    } else {
      c = bucketHead[minBucket];
      unindex(c);
      errors[c] = counts[c];
      increment(c);
    }
    keys[c] = key;
    misses[c] = 0;
    index(c, h);
    return c;
  }

  /** Moves the counter from its bucket to the one of the next count, making that bucket if needed. */
  private void increment(int c) {
    int b = bucketOf[c];
    long target = ++counts[c];
    int next = bucketNext[b];
    if (next != NONE && bucketCount[next] == target) {
      detach(c);
      attach(c, next);
    } else if (bucketHead[b] == c && nextInBucket[c] == NONE) {
      bucketCount[b] = target;
    } else {
      detach(c);
      attach(c, newBucket(target, b, next));
    }
  }

  private void attach(int c, int b) {
    int head = bucketHead[b];
    bucketOf[c] = b;
    prevInBucket[c] = NONE;
    nextInBucket[c] = head;
    if (head != NONE) {
      prevInBucket[head] = c;
    }
    bucketHead[b] = c;
  }

  /** Takes the counter out of its bucket, and drops the bucket if that leaves it empty. */
  private void detach(int c) {
    int b = bucketOf[c];
    int prev = prevInBucket[c];
    int next = nextInBucket[c];
    if (prev != NONE) {
      nextInBucket[prev] = next;
    } else {
      bucketHead[b] = next;
    }
    if (next != NONE) {
      prevInBucket[next] = prev;
    }
    if (bucketHead[b] == NONE) {
      dropBucket(b);
    }
  }

  private int newBucket(long count, int after, int before) {
    int b = freeBuckets[--freeBucketCount];
    bucketCount[b] = count;
    bucketHead[b] = NONE;
    bucketPrev[b] = after;
    bucketNext[b] = before;
    if (after != NONE) {
      bucketNext[after] = b;
    } else {
      minBucket = b;
    }
    if (before != NONE) {
      bucketPrev[before] = b;
    }
    return b;
  }

  private void dropBucket(int b) {
    int prev = bucketPrev[b];
    int next = bucketNext[b];
    if (prev != NONE) {
      bucketNext[prev] = next;
    } else {
      minBucket = next;
    }
    if (next != NONE) {
      bucketPrev[next] = prev;
    }
    freeBuckets[freeBucketCount++] = b;
  }

  private static int slotHash(Key key) {
    int h = key.hashCode() * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  private int find(Key key, int h) {
    int i = h & mask;
    for (int c = table[i] - 1; c != NONE; c = table[i = (i + 1) & mask] - 1) {
      if (hashOf[c] == h && keys[c].equals(key)) {
        return c;
      }
    }
    return NONE;
  }

  private void index(int c, int h) {
    int i = h & mask;
    while (table[i] != 0) {
      i = (i + 1) & mask;
    }
    table[i] = c + 1;
    hashOf[c] = h;
  }

  /** Removes counter c from the table, shifting later entries of its probe run back (no tombstones). */
  private void unindex(int c) {
    int i = hashOf[c] & mask;
    while (table[i] != c + 1) {
      i = (i + 1) & mask;
    }
    for (int j = (i + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
      int home = hashOf[table[j] - 1] & mask;
      // The entry at j may fill the hole at i only if its home is not cyclically within (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        table[i] = table[j];
        i = j;
      }
    }
    table[i] = 0;
  }
}
