package dev.redisproxy.cache;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The one deadline on Redis calls ({@code REDIS_TIMEOUT}, see {@link CacheVerticle}): a call fails
 * as {@link Failure#TIMEOUT} once it passes, with a {@link LookupException} in every case, and
 * completes on the owner's event loop whatever thread the reader completes it on, because the
 * callbacks touch the map and the in-flight table, which only that event loop may touch.
 *
 * <p>Design: every call gets the same timeout, so calls reach their deadlines in the order they
 * began. They wait in that order in one queue, and one periodic timer, running while any call is
 * under way, fails those at its head whose deadline has passed: a call costs a queue entry, where a
 * timer of its own cost a scheduled task set and cancelled on the event loop's timer heap (about a
 * twentieth of a miss's CPU in {@code make bench}). A deadline fires up to one tick
 * ({@link #tickMs}, a sixteenth of the timeout, 1 to 100 ms) late, never early. A settled call
 * leaves the queue as soon as every call before it has settled or expired; as Redis answers in
 * order, that is at once, and the queue holds at most the calls begun within one timeout.
 */
final class Deadline {

  private final Vertx vertx;
  private final Context context;
  private final Thread eventLoop;
  private final long timeoutNanos;
  private final long tickMs;
  private final LookupException timedOut;
  // Calls not yet let go, oldest first: also in deadline order.
  private final ArrayDeque<Call<?>> calls = new ArrayDeque<>();
  // The periodic timer while calls are under way, else -1.
  private long timer = -1;

  private record Call<T>(Promise<T> promise, long deadline) {
    boolean settled() {
      return promise.future().isComplete();
    }
  }

  /** Created on the owner's event loop, whose thread and context the calls complete on. */
  Deadline(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.eventLoop = Thread.currentThread();
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    this.tickMs = tickMs(timeoutMs);
    this.timedOut = new LookupException(Failure.TIMEOUT, "Redis did not answer within " + timeoutMs + " ms");
  }

  /** How often deadlines are checked: a sixteenth of the timeout, from 1 to 100 ms. */
  static long tickMs(long timeoutMs) {
    return Math.max(1, Math.min(100, timeoutMs / 16));
  }

  /** The call under the deadline. Called on the owner's event loop. */
  <T> Future<T> bound(Future<T> call) {
    Call<T> pending = new Call<>(Promise.promise(), System.nanoTime() + timeoutNanos);
    calls.add(pending);
    if (timer < 0) {
      timer = vertx.setPeriodic(tickMs, id -> expire());
    }
    call.onComplete(ar -> {
      if (Thread.currentThread() == eventLoop) {
        settle(pending, ar);
      } else {
        context.runOnContext(v -> settle(pending, ar));
      }
    });
    return pending.promise().future();
  }

  /** Calls not yet let go (settled calls behind an unsettled one stay until it goes). */
  int queued() {
    return calls.size();
  }

  private <T> void settle(Call<T> call, AsyncResult<T> ar) {
    if (ar.succeeded()) {
      call.promise().tryComplete(ar.result());
    } else {
      call.promise().tryFail(LookupException.of(ar.cause()));
    }
    Call<?> head;
    while ((head = calls.peek()) != null && head.settled()) {
      calls.poll();
    }
  }

  private void expire() {
    long now = System.nanoTime();
    Call<?> head;
    while ((head = calls.peek()) != null && (head.settled() || head.deadline() - now <= 0)) {
      calls.poll();
      head.promise().tryFail(timedOut);
    }
    if (calls.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
