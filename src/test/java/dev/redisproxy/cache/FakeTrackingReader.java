package dev.redisproxy.cache;

import dev.redisproxy.cache.InvalidationListener;
import dev.redisproxy.cache.RedisReader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Redis stand-in that tracks keys, for component tests: reads are {@link FakeRedisReader}'s, and the
 * test decides when Redis reports a changed key, a flush, or the loss of the tracking connection.
 * Reports reach the cache on its own context, as the real reader's do, and each call returns once
 * the cache has handled it.
 */
public final class FakeTrackingReader implements RedisReader {

  public final FakeRedisReader redis = new FakeRedisReader();
  private volatile boolean up = true;
  private volatile InvalidationListener listener;
  private volatile Context context;

  @Override
  public void invalidations(InvalidationListener listener) {
    this.listener = listener;
    this.context = Vertx.currentContext();
  }

  @Override
  public boolean cacheable() {
    return up;
  }

  /** Redis reports that the key changed. */
  public void invalidate(Key key) throws Exception {
    onCacheContext(() -> listener.invalidate(key));
  }

  /** The reader says the key's read under way went where no report comes from. */
  public void readUntracked(Key key) throws Exception {
    onCacheContext(() -> listener.readUntracked(key));
  }

  /** Redis reports FLUSHALL or FLUSHDB. */
  public void flush() throws Exception {
    onCacheContext(() -> listener.invalidateAll(false));
  }

  /** The tracking connection is lost: from now on reads are not cacheable, and the cache hears of it. */
  public void lose() throws Exception {
    onCacheContext(() -> {
      up = false;
      listener.invalidateAll(true);
    });
  }

  /** The tracking connection is back. */
  public void restore() throws Exception {
    onCacheContext(() -> up = true);
  }

  /** Tracking down from the start (call before the cache verticle is deployed). */
  public void startDown() {
    up = false;
  }

  private void onCacheContext(Runnable action) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      action.run();
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
  }

  @Override
  public Future<RedisValue> get(Key key) {
    return redis.get(key);
  }

  @Override
  public Future<Void> ping() {
    return redis.ping();
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }
}
