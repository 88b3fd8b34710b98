package dev.redisproxy.cache;

import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache verticle's side of {@code CACHE_INVALIDATION=tracking}: applies what Redis reports about
 * changed keys through the verticle's own drop operations, and counts it for {@link CacheStats}.
 * The reader calls it on the cache verticle's event loop, like everything else the verticle owns.
 */
final class RedisChanges implements InvalidationListener {

  private static final Logger LOG = LoggerFactory.getLogger(RedisChanges.class);

  private final Consumer<Key> drop;
  private final IntSupplier dropAll;
  private long keys;
  private long flushes;
  private long connectionLosses;

  /**
   * @param drop    drops a key and keeps a read under way for it from storing what it read
   * @param dropAll does that for every key, returning how many entries were dropped
   */
  RedisChanges(Consumer<Key> drop, IntSupplier dropAll) {
    this.drop = drop;
    this.dropAll = dropAll;
  }

  @Override
  public void invalidate(Key key) {
    keys++;
    drop.accept(key);
  }

  @Override
  public void readUntracked(Key key) {
    drop.accept(key);
  }

  @Override
  public void invalidateAll(boolean connectionLost) {
    int dropped = dropAll.getAsInt();
    if (connectionLost) {
      // The reader logs the loss with its reason.
      connectionLosses++;
    } else {
      flushes++;
      LOG.info("Redis was flushed (FLUSHALL or FLUSHDB): {} cached entries dropped", dropped);
    }
  }

  CacheStats.Tracking stats(boolean on, boolean up) {
    return new CacheStats.Tracking(on, up, keys, flushes, connectionLosses);
  }
}
