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
 * began. They wait in that order in one queue, and one timer, set for the deadline of the oldest
 * call not yet let go, fails the calls at the head whose deadline has passed and is set again for
 * the next: a call costs a queue entry, where a timer of its own cost a scheduled task set and
 * cancelled on the event loop's timer heap (about a twentieth of a miss's CPU in
 * {@code make bench}). While Redis answers, the timer fires about once per timeout. A deadline
 * fires when it passes (to the millisecond), never early, so it comes before anything that acts a
 * timeout after a call began ({@code RenewingRedis} closing retired connections). A settled call
 * leaves the queue as soon as every call before it has settled or expired; as Redis answers in
 * order, that is at once, and the queue holds at most the calls begun within one timeout.
 */
final class Deadline {

  private final Vertx vertx;
  private final Context context;
  private final Thread eventLoop;
  private final long timeoutNanos;
  private final LookupException timedOut;
  // Calls not yet let go, oldest first: also in deadline order.
  private final ArrayDeque<Call<?>> calls = new ArrayDeque<>();
  // The timer set for the head's deadline while calls are under way, else -1.
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
    this.timedOut = new LookupException(Failure.TIMEOUT, "Redis did not answer within " + timeoutMs + " ms");
  }

  /** The call under the deadline. Called on the owner's event loop. */
  <T> Future<T> bound(Future<T> call) {
    Call<T> pending = new Call<>(Promise.promise(), System.nanoTime() + timeoutNanos);
    calls.add(pending);
    if (timer < 0) {
      setTimer(pending.deadline());
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
    timer = -1;
    long now = System.nanoTime();
    Call<?> head;
    while ((head = calls.peek()) != null && (head.settled() || head.deadline() - now <= 0)) {
      calls.poll();
      head.promise().tryFail(timedOut);
    }
    if (timer >= 0) {
      // A failed call's callback began a call, which set a timer for its later deadline.
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (head != null) {
      setTimer(head.deadline());
    }
  }

  /** Fires {@link #expire} at {@code deadline}, rounded up to the millisecond: never before it. */
  private void setTimer(long deadline) {
    long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999));
    timer = vertx.setTimer(ms, id -> expire());
  }
}
