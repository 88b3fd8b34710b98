package dev.redisproxy.cache;

import io.vertx.core.buffer.Buffer;

/**
 * What the cache verticle keeps of Redis's answers, and for how long: the policy over
 * {@link LruTtlCache}, in plain Java so that it can be tested with a fake clock alone.
 *
 * <p>An entry lives {@code min(CACHE_TTL, the key's remaining PTTL)}, counted from when its read was
 * sent, so the entry ends no later than the key does in Redis. A key Redis does not have is kept as
 * the {@link #MISSING} marker for {@code CACHE_NEGATIVE_TTL} (off at 0); it weighs its key like any
 * entry. With {@code CACHE_STALE_IF_ERROR}, an entry that expired less than that long ago is served
 * when its read fails because Redis cannot be reached, timed out or is overloaded; an error reply
 * is an answer and is never covered up. Removed entries are never served stale
 * ({@link LruTtlCache#remove}).
 *
 * <p>Not thread-safe: the cache verticle calls it on its event loop only.
 */
final class CacheEntries {

  /** The value of a key Redis does not have; compared by identity, never served as bytes. */
  static final byte[] MISSING = new byte[0];

  private static final long NANOS_PER_MILLI = 1_000_000;
  private static final long NANOS_PER_SECOND = 1_000_000_000;

  // Values as bare arrays, copied once from Redis's reply: a Buffer would add ~64 bytes per entry.
  private final LruTtlCache<Key, byte[]> cache;
  private final long ttlNanos;
  private final long negativeTtlNanos;
  private final boolean staleIfError;
  private long uncacheable;
  private long staleServed;

  CacheEntries(int maxSize, long maxBytes, long ttlNanos, long negativeTtlNanos, long staleNanos, Ticker ticker) {
    this.cache = new LruTtlCache<>(maxSize, maxBytes, ttlNanos, staleNanos, ticker);
    this.ttlNanos = ttlNanos;
    this.negativeTtlNanos = negativeTtlNanos;
    this.staleIfError = staleNanos > 0;
  }

  /** The live entry's value ({@link #MISSING} for a key known to be absent), or null; a use. */
  byte[] get(Key key, long now) {
    return cache.get(key, now);
  }

  /** Whole seconds since the value the last non-null get or {@link #stale} returned was read from Redis. */
  int age(long now) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, now - cache.lastHitStoredAt()) / NANOS_PER_SECOND);
  }

  /**
   * What may be served instead of the failure: the key's entry if it expired less than the grace
   * period ago and the failure is one that stale-if-error covers; otherwise null. Counted as served.
   */
  byte[] stale(Key key, Failure failure, long now) {
    if (!staleIfError || !coversUp(failure)) {
      return null;
    }
    byte[] value = cache.getStale(key, now);
    if (value != null) {
      staleServed++;
    }
    return value;
  }

  /** Whether Redis failed to answer at all, so that an old answer is better than none. */
  static boolean coversUp(Failure failure) {
    return failure == Failure.UNAVAILABLE || failure == Failure.TIMEOUT || failure == Failure.OVERLOADED;
  }

  /**
   * Keeps what a read sent at {@code sentAt} found. A key Redis does not have is kept as missing
   * with negative caching on, and otherwise forgotten (an expired entry of it must not be served
   * stale); a value too large to cache is counted and forgotten likewise.
   */
  void store(Key key, RedisValue read, long sentAt) {
    if (!read.found()) {
      if (negativeTtlNanos > 0) {
        cache.put(key, MISSING, key.length(), negativeTtlNanos, sentAt);
      } else {
        cache.remove(key);
      }
      return;
    }
    Buffer value = read.value();
    long lifetime = lifetimeNanos(read.ttlMillis());
    if (cache.capacity() == 0) {
      // CACHE_MAXSIZE=0, pass-through: nothing to copy the value for.
      return;
    }
    if (lifetime <= 0) {
      cache.remove(key);
      return;
    }
    long bytes = (long) key.length() + value.length();
    if (cache.tooLarge(bytes)) {
      // Refused before the copy: a value too large to cache is not copied only to be dropped.
      cache.remove(key);
      uncacheable++;
      return;
    }
    cache.put(key, value.getBytes(), bytes, lifetime, sentAt);
  }

  /** How long a value read with this remaining TTL may be served: CACHE_TTL without one, never past Redis's expiry. */
  long lifetimeNanos(long ttlMillis) {
    if (ttlMillis == RedisValue.NO_TTL) {
      return ttlNanos;
    }
    if (ttlMillis <= 0) {
      return 0;
    }
    return ttlMillis >= ttlNanos / NANOS_PER_MILLI ? ttlNanos : ttlMillis * NANOS_PER_MILLI;
  }

  /** Removes the entry, live or stale, for good; true if there was one. */
  boolean remove(Key key) {
    return cache.remove(key);
  }

  /** Removes every entry for good; returns how many there were. */
  int clear() {
    int n = cache.size();
    cache.clear();
    return n;
  }

  void purgeExpired() {
    cache.purgeExpired();
  }

  LruTtlCache<Key, byte[]> map() {
    return cache;
  }

  /** Values read but too large to cache (over {@link LruTtlCache#maxEntryBytes()}). */
  long uncacheable() {
    return uncacheable;
  }

  /** Lookups answered with an expired entry because Redis failed. */
  long staleServed() {
    return staleServed;
  }
}
