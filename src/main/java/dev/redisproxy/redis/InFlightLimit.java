package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * At most {@code limit} calls under way; more wait in a bounded FIFO and past its bound fail at
 * once with {@link Failure#OVERLOADED}. Used from one Vert.x context only (the cache verticle's),
 * so plain fields suffice.
 *
 * <p>Why the readers bound their own calls: a connection takes at most
 * {@link RedisClientOptions#PIPELINE_DEPTH} commands waiting for replies (past it vertx-redis-client
 * would refuse them; {@link PipelinedRedis} refuses them first). The readers pipeline reads over a
 * few connections, so they let that many per connection be under way and queue the rest here, in
 * order, up to {@code REDIS_POOL_WAITING}. Waiting here counts against the read's one deadline, the
 * cache's.
 */
final class InFlightLimit {

  private final int limit;
  private final int maxWaiting;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;
  // Set while waiting calls are being started, so a call that completes at once does not recurse.
  private boolean draining;

  InFlightLimit(int limit, int maxWaiting) {
    this.limit = limit;
    this.maxWaiting = maxWaiting;
  }

  <T> Future<T> submit(Supplier<Future<T>> call) {
    if (running < limit) {
      return run(call);
    }
    if (waiting.size() >= maxWaiting) {
      return Future.failedFuture(new LookupException(Failure.OVERLOADED,
          "too many reads waiting for a Redis connection (" + maxWaiting + ")"));
    }
    // On the caller's context, like the futures of calls that start at once: without one, the cache
    // verticle's timeout would fire, and its callbacks run, on Netty's global executor thread.
    ContextInternal context = ContextInternal.current();
    Promise<T> promise = context != null ? context.promise() : Promise.promise();
    waiting.add(() -> run(call).onComplete(promise));
    return promise.future();
  }

  private <T> Future<T> run(Supplier<Future<T>> call) {
    running++;
    Future<T> future;
    try {
      future = call.get();
    } catch (RuntimeException e) {
      future = Future.failedFuture(e);
    }
    return future.andThen(ar -> release());
  }

  private void release() {
    running--;
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (running < limit && !waiting.isEmpty()) {
        waiting.poll().run();
      }
    } finally {
      draining = false;
    }
  }

  int running() {
    return running;
  }

  int waiting() {
    return waiting.size();
  }
}
