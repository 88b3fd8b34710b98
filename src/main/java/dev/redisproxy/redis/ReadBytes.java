package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;

/**
 * The bytes that reads of large values may bring from Redis at once: a read reserves what its reply
 * can hold before it is sent and gives it back when the reply has been handed on, and a read that
 * would go over waits, first come first served, so a burst of concurrent misses for large values
 * cannot fill the heap (vertx-redis-client gathers a whole reply before handing it over, so the
 * bytes must be accounted before the command is sent). At most {@link #MAX_WAITING} reads wait;
 * more fail at once as {@link Failure#OVERLOADED}. Waiting counts against the read's one deadline,
 * the cache's.
 *
 * <p>A reservation larger than the whole capacity is cut to it: such a read runs alone. Used on
 * the reader's context only (the cache verticle's), so plain fields suffice.
 */
final class ReadBytes {

  /** Reads of large values that may wait for room at once. */
  static final int MAX_WAITING = 1024;

  private static final LookupException FULL = new LookupException(Failure.OVERLOADED,
      "too many reads of large values waiting for room to read them (" + MAX_WAITING + ")");

  private record Waiter(long bytes, Promise<Long> promise) {
  }

  private final long capacity;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private long held;

  ReadBytes(long capacity) {
    this.capacity = Math.max(1, capacity);
  }

  /** Reserves up to {@code bytes}; completes with what was reserved, the caller's to {@link #release}. */
  Future<Long> reserve(long bytes) {
    long n = Math.min(Math.max(0, bytes), capacity);
    if (waiting.isEmpty() && held + n <= capacity) {
      held += n;
      return Future.succeededFuture(n);
    }
    if (waiting.size() >= MAX_WAITING) {
      return Future.failedFuture(FULL);
    }
    Promise<Long> promise = Promise.promise();
    waiting.add(new Waiter(n, promise));
    return promise.future();
  }

  /** Gives back a reservation and lets the waiting reads that now fit go, in order. */
  void release(long reserved) {
    held -= reserved;
    while (!waiting.isEmpty() && held + waiting.peek().bytes <= capacity) {
      Waiter next = waiting.poll();
      held += next.bytes;
      next.promise.complete(next.bytes);
    }
  }

  long capacity() {
    return capacity;
  }

  long held() {
    return held;
  }

  int waiting() {
    return waiting.size();
  }
}
