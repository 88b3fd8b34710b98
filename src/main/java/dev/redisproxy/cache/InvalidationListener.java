package dev.redisproxy.cache;


/**
 * Hears what Redis reports about keys that changed ({@code CACHE_INVALIDATION=tracking}). Called on
 * the context of the {@link RedisReader}'s caller (the cache verticle's), in the order Redis sent it.
 */
public interface InvalidationListener {

  /** The key was written, deleted, renamed, expired or evicted in Redis: a cached value of it is stale. */
  void invalidate(Key key);

  /**
   * Anything cached may be stale: Redis was flushed ({@code FLUSHALL}, {@code FLUSHDB}), or the
   * connection that carries the reports was lost or stopped answering, so reports may have been lost.
   */
  void invalidateAll(boolean connectionLost);

  /**
   * The read of the key under way must not be stored: it was answered where no report of the key's
   * changes comes from (a Cluster read that was redirected, a key outside the broadcast prefixes).
   * Drops the key as {@link #invalidate} does, without counting a change that Redis reported.
   */
  default void readUntracked(Key key) {
    invalidate(key);
  }
}
