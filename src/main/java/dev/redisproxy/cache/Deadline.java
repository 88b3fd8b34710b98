package dev.redisproxy.cache;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The one deadline on Redis calls ({@code REDIS_TIMEOUT}, see {@link CacheVerticle}): a call fails
 * as {@link Failure#TIMEOUT} once it passes, with a {@link LookupException} in every case, and
 * completes on the owner's event loop whatever thread the reader completes it on, because the
 * callbacks touch the map and the in-flight table, which only that event loop may touch.
 */
final class Deadline {

  private final Vertx vertx;
  private final Context context;
  private final Thread eventLoop;
  private final long timeoutMs;
  private final LookupException timedOut;

  /** Created on the owner's event loop, whose thread and context the calls complete on. */
  Deadline(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.eventLoop = Thread.currentThread();
    this.timeoutMs = timeoutMs;
    this.timedOut = new LookupException(Failure.TIMEOUT, "Redis did not answer within " + timeoutMs + " ms");
  }

  /** The call under the deadline. */
  <T> Future<T> bound(Future<T> call) {
    Promise<T> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> result.tryFail(timedOut));
    call.onComplete(ar -> {
      if (Thread.currentThread() == eventLoop) {
        settle(result, timer, ar);
      } else {
        context.runOnContext(v -> settle(result, timer, ar));
      }
    });
    return result.future();
  }

  private <T> void settle(Promise<T> result, long timer, AsyncResult<T> ar) {
    vertx.cancelTimer(timer);
    if (ar.succeeded()) {
      result.tryComplete(ar.result());
    } else {
      result.tryFail(LookupException.of(ar.cause()));
    }
  }
}
