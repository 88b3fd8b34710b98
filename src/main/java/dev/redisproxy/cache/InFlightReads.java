package dev.redisproxy.cache;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;

/**
 * The Redis reads under way, by key: concurrent misses for one key share one read (coalescing),
 * at most {@code max} reads run at once (past it a miss fails at once as {@link Failure#OVERLOADED}),
 * and an invalidation detaches the read under way for its key.
 *
 * <p>Settle and drop: a read stores its value only while it is still its key's entry here. An
 * invalidation ({@link #detach}, {@link #detachAll}) removes the entry, so a read that started
 * before the invalidation never puts the old value back afterwards, and the next miss starts a
 * fresh read. A detached read still counts against {@code max} until it ends: it still occupies
 * Redis and a connection.
 *
 * <p>Plain Java, not thread-safe: the owner (the cache verticle) calls it on its event loop only,
 * and the reads it starts must complete there.
 */
final class InFlightReads {

  /** Where the reads come from and where their values go. */
  interface Source {
    /** Starts the read of the key; the future completes on the owner's event loop. */
    Future<RedisValue> read(Key key);

    /** Whether a value of the key read from now on may be stored (see {@link RedisReader#cacheable(Key)}). */
    boolean storable(Key key);

    /**
     * Stores what a read sent at {@code sentAt} found, the key's absence included: called before any
     * of the read's waiters hears of it, and only for a read neither detached nor started unstorable.
     */
    void store(Key key, RedisValue value, long sentAt);

    /** Every read, once, as it ends: for counting and reachability. */
    void ended(AsyncResult<RedisValue> result);
  }

  private final int max;
  private final Source source;
  private final Map<Key, Future<RedisValue>> byKey = new HashMap<>();
  // Reads detached by an invalidation and not finished yet.
  private int detached;
  private long coalesced;
  private long rejected;

  InFlightReads(int max, Source source) {
    this.max = max;
    this.source = source;
  }

  /**
   * What Redis has for the key, sharing a read already under way for it. {@code now} is a clock
   * reading taken before this call, so no later than the read is sent: lifetimes count from it.
   */
  Future<RedisValue> fetch(Key key, long now) {
    Future<RedisValue> pending = byKey.get(key);
    if (pending != null) {
      coalesced++;
      return pending;
    }
    if (byKey.size() + detached >= max) {
      rejected++;
      return Future.failedFuture(new LookupException(Failure.OVERLOADED,
          "too many Redis reads under way (" + max + ")"));
    }
    // Asked before the read starts: only a read whose key's changes will be reported may be kept.
    boolean storable = source.storable(key);
    Future<RedisValue> read = source.read(key);
    byKey.put(key, read);
    // Registered before any waiter's handler, so the value is stored before anyone is answered.
    read.onComplete(ar -> {
      boolean current = settle(key, read);
      if (ar.succeeded() && current && storable) {
        source.store(key, ar.result(), now);
      }
      source.ended(ar);
    });
    return read;
  }

  /** Detaches the key's read under way, if any, so that it stores nothing; true if there was one. */
  boolean detach(Key key) {
    if (byKey.remove(key) != null) {
      detached++;
      return true;
    }
    return false;
  }

  /** Detaches every read under way. */
  void detachAll() {
    detached += byKey.size();
    byKey.clear();
  }

  /** Reads under way, detached ones included. */
  int size() {
    return byKey.size() + detached;
  }

  /** Misses that joined a read already under way. */
  long coalesced() {
    return coalesced;
  }

  /** Misses failed at once because {@code max} reads were under way. */
  long rejected() {
    return rejected;
  }

  /** Takes a finished read out of the books; true if it was still its key's current read. */
  private boolean settle(Key key, Future<RedisValue> read) {
    if (byKey.get(key) == read) {
      byKey.remove(key);
      return true;
    }
    detached--;
    return false;
  }
}
