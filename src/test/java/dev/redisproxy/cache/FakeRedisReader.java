package dev.redisproxy.cache;

import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisReader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Redis stand-in for component tests. By default a read answers at once from {@link #data};
 * with {@link #hold()} reads stay pending until the test completes them, so coalescing and
 * timeouts can be observed without a real server.
 */
public final class FakeRedisReader implements RedisReader {

  public final Map<Key, Buffer> data = new ConcurrentHashMap<>();
  public final Map<Key, AtomicInteger> reads = new ConcurrentHashMap<>();
  public final AtomicInteger pings = new AtomicInteger();
  // Pending reads by key, oldest first (a key can have several once an invalidation detached one).
  private final Map<Key, Deque<Promise<RedisValue>>> held = new ConcurrentHashMap<>();
  // The context of the caller of get(): held reads complete there, as the RedisReader contract asks.
  private volatile Context caller;
  private volatile boolean unbound;
  private volatile boolean holding;
  private volatile LookupException failure;

  /** From now on reads stay pending until {@link #release} or {@link #releaseAll}. */
  public void hold() {
    holding = true;
  }

  /** From now on reads and pings fail with this failure. */
  public void failWith(Failure f, String message) {
    failure = new LookupException(f, message);
  }

  /** Undoes {@link #failWith}: Redis answers again. */
  public void heal() {
    failure = null;
  }

  public int reads(Key key) {
    AtomicInteger n = reads.get(key);
    return n == null ? 0 : n.get();
  }

  /** Reads started and not yet answered. */
  public int pending() {
    return held.values().stream().mapToInt(Deque::size).sum();
  }

  /** Completes every pending read of the key with the value in {@link #data}. */
  public void release(Key key) {
    Deque<Promise<RedisValue>> reads = held.get(key);
    while (reads != null && !reads.isEmpty()) {
      answer(key, reads.pollFirst());
    }
  }

  /** Completes the oldest pending read of the key with the value in {@link #data} now. */
  public void releaseOldest(Key key) {
    answer(key, held.get(key).pollFirst());
  }

  /** Completes the newest pending read of the key with the value in {@link #data} now. */
  public void releaseNewest(Key key) {
    answer(key, held.get(key).pollLast());
  }

  /**
   * Completes the oldest pending read of the key on the calling (test) thread: with
   * {@link #unboundFutures} the cache verticle sees a future completed off its event loop, as a
   * reader's may be when the read waited in a queue.
   */
  public void releaseFromThisThread(Key key) {
    held.get(key).pollFirst().complete(RedisValue.of(data.get(key)));
  }

  /** From now on held reads return futures bound to no context (see {@link #releaseFromThisThread}). */
  public void unboundFutures() {
    unbound = true;
  }

  /** Completes every pending read and stops holding new ones. */
  public void releaseAll() {
    holding = false;
    held.keySet().forEach(this::release);
  }

  private void answer(Key key, Promise<RedisValue> read) {
    Buffer value = data.get(key);
    caller.runOnContext(v -> read.complete(RedisValue.of(value)));
  }

  @Override
  public Future<RedisValue> get(Key key) {
    reads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    if (holding) {
      caller = Vertx.currentContext();
      Promise<RedisValue> p = unbound ? Promise.promise() : ((ContextInternal) caller).promise();
      held.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).addLast(p);
      return p.future();
    }
    return Future.succeededFuture(RedisValue.of(data.get(key)));
  }

  /** Like a read: fails with the failure set, stays pending while holding, else answers. */
  @Override
  public Future<Void> ping() {
    pings.incrementAndGet();
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    if (holding) {
      return ((ContextInternal) Vertx.currentContext()).<Void>promise().future();
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
