package dev.redisproxy.cache;

import io.vertx.core.buffer.Buffer;

/**
 * What one read of Redis found for a key: its value (null when Redis has no such key) and its
 * remaining time to live in milliseconds, as Redis reported it in the same round trip
 * ({@link #NO_TTL} when the key has none).
 *
 * @param value     the value's bytes, shared and never modified; null when Redis has no such key
 * @param ttlMillis the key's remaining time to live when it was read, or {@link #NO_TTL}
 */
public record RedisValue(Buffer value, long ttlMillis) {

  /** The key exists without a time to live (PTTL answered -1). */
  public static final long NO_TTL = -1;

  /** Redis has no such key. */
  public static final RedisValue MISSING = new RedisValue(null, NO_TTL);

  /** A value without a time to live. */
  public static RedisValue of(Buffer value) {
    return value == null ? MISSING : new RedisValue(value, NO_TTL);
  }

  /** Whether Redis has the key. */
  public boolean found() {
    return value != null;
  }
}
