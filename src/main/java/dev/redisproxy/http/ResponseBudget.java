package dev.redisproxy.http;

import dev.redisproxy.frontend.ReplyBudget;
import io.vertx.core.Future;
import java.util.function.LongConsumer;

/**
 * The HTTP front end's use of its instance's {@link ReplyBudget}: a {@code /get/} lookup starts only
 * while the budget has room and no earlier request waits for it; it reserves the budget's estimate
 * (at least {@link #MIN_ESTIMATE}); its body counts from its answer until written.
 *
 * <p>Per connection there is no bound of its own to keep: Vert.x's HTTP/1.1 server hands a
 * pipelined request to the handler only once the previous response has gone into the channel,
 * which it does only while the channel is under its write mark (64 KiB); so a client that
 * pipelines GETs and does not read holds at most two bodies, one in the channel and one queued
 * behind it. While slow readers hold the budget, other requests for values wait: slow readers give
 * it back as they read, or when {@code CLIENT_IDLE_TIMEOUT} closes them (a slow reader sends
 * nothing), so waits end within that. A body the kernel takes at once (a client that keeps up)
 * costs two additions. One per instance, used on its event loop only.
 */
final class ResponseBudget {

  static final long MIN_ESTIMATE = 4 * 1024;

  private final ReplyBudget budget;

  ResponseBudget(long max) {
    this(new ReplyBudget(max));
  }

  private ResponseBudget(ReplyBudget budget) {
    this.budget = budget;
  }

  /** One instance's share: HTTP and RESP each deploy {@code instances}. */
  static ResponseBudget forInstance(long maxHeap, int instances) {
    return new ResponseBudget(ReplyBudget.forInstance(maxHeap, instances));
  }

  long max() {
    return budget.max();
  }

  void publishTo(LongConsumer consumer) {
    budget.publishTo(consumer);
  }

  /** Whether a lookup may start now: room in the budget, and no earlier request waiting for it. */
  boolean mayStart() {
    return budget.hasRoomForNewcomer();
  }

  /** Runs {@code lookup} once the budget has room; it must call {@link #reserve} as it starts. */
  void await(Runnable lookup) {
    budget.await(lookup);
  }

  /** A lookup starts: reserves what its answer is expected to bring; returns that amount. */
  long reserve() {
    long estimate = Math.max(MIN_ESTIMATE, budget.estimate());
    budget.add(estimate);
    return estimate;
  }

  /**
   * The lookup that reserved {@code reservation} was answered with {@code bytes} of body, which
   * {@code sent} completes once written: the body counts until then.
   */
  void answered(long reservation, long bytes, Future<Void> sent) {
    budget.observed(bytes);
    if (bytes > 0 && !sent.isComplete()) {
      budget.add(bytes);
      sent.onComplete(ar -> budget.release(bytes));
    }
    budget.release(reservation);
  }
}
