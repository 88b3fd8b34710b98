package dev.redisproxy.cache;

import io.vertx.core.Future;

/**
 * The one thing the cache needs from Redis: read a key. Owned by the cache, implemented in
 * {@code redis}; the cache verticle is the only caller. Implementations fail with a
 * {@link LookupException} that says which {@link Failure} it was, classified where it happened.
 * They arm no deadline of their own on a read: the cache bounds every read and PING by
 * {@code REDIS_TIMEOUT} (see {@link CacheVerticle}); a reader only has to notice a connection that
 * stopped answering and replace it. Returned futures should complete on the Vert.x context that
 * called {@link #get} (the cache verticle moves a callback that does not back to its event loop).
 */
public interface RedisReader {

  /** The key's value and its remaining time to live, read in one round trip; {@link RedisValue#MISSING} when Redis has no such key. */
  Future<RedisValue> get(Key key);

  /** Succeeds when Redis answers PING; for readiness, so it never waits for a key. */
  Future<Void> ping();

  /** Releases connections; pending reads fail. */
  Future<Void> close();

  /**
   * Whether a value that {@link #get} reads now may be cached. Always with TTL-only caching; with
   * {@code CACHE_INVALIDATION=tracking}, only while Redis reports the changes of the keys read.
   */
  default boolean cacheable() {
    return true;
  }

  /**
   * Whether a value of this key that {@link #get} reads now may be cached: {@link #cacheable()}, and
   * with {@code CACHE_INVALIDATION=broadcast} only for a key under {@code CACHE_TRACKING_PREFIXES}
   * (Redis reports no other key's writes).
   */
  default boolean cacheable(Key key) {
    return cacheable();
  }

  /**
   * Starts reporting keys that change in Redis to the listener, if this reader tracks them; the rest
   * ignore it. Called once, before the first read, on the context that reads.
   */
  default void invalidations(InvalidationListener listener) {
  }
}
