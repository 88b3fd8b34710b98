package dev.redisproxy.cache;

import dev.redisproxy.redis.RedisException;
import dev.redisproxy.redis.RedisReader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Redis stand-in for component tests. By default a read answers at once from {@link #data};
 * with {@link #hold()} reads stay pending until the test completes them, so coalescing and
 * timeouts can be observed without a real server.
 */
public final class FakeRedisReader implements RedisReader {

  public final Map<Key, Buffer> data = new ConcurrentHashMap<>();
  public final Map<Key, AtomicInteger> reads = new ConcurrentHashMap<>();
  private final Map<Key, Promise<Buffer>> held = new ConcurrentHashMap<>();
  // The context of the caller of get(): held reads complete there, as the RedisReader contract asks.
  private volatile Context caller;
  private volatile boolean holding;
  private volatile RedisException failure;

  /** From now on reads stay pending until {@link #release} or {@link #releaseAll}. */
  public void hold() {
    holding = true;
  }

  /** From now on reads fail with this failure. */
  public void failWith(Failure f, String message) {
    failure = new RedisException(f, message);
  }

  public int reads(Key key) {
    AtomicInteger n = reads.get(key);
    return n == null ? 0 : n.get();
  }

  public int pending() {
    return held.size();
  }

  /** Completes the pending read of the key with the value in {@link #data}. */
  public void release(Key key) {
    Promise<Buffer> p = held.remove(key);
    if (p != null) {
      caller.runOnContext(v -> p.complete(data.get(key)));
    }
  }

  @Override
  public Future<Buffer> get(Key key) {
    reads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    if (holding) {
      caller = Vertx.currentContext();
      Promise<Buffer> p = ((ContextInternal) caller).promise();
      held.put(key, p);
      return p.future();
    }
    return Future.succeededFuture(data.get(key));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
