package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Deadline}: a call unanswered past the timeout fails as {@link Failure#TIMEOUT}, never
 * before it; an answered one keeps its value or becomes a {@link LookupException}, and completes
 * on the owner's event loop whatever thread answered it; answered calls leave the queue.
 */
class DeadlineTest {

  private static final long TIMEOUT_MS = 200;

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private Deadline deadline;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Runs {@code task} on the owner's event loop and returns what it gave. */
  private <T> T onLoop(Supplier<T> task) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(task.get()));
    return result.get(10, TimeUnit.SECONDS);
  }

  private void start() throws Exception {
    deadline = onLoop(() -> new Deadline(vertx, TIMEOUT_MS));
  }

  @Test
  void aCallUnansweredPastTheTimeoutFailsAsTimeoutAndNotBefore() throws Exception {
    start();
    long began = System.nanoTime();
    Future<String> bounded = onLoop(() -> deadline.bound(Promise.<String>promise().future()));
    Throwable failure = failureOf(bounded);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    assertThat(failure).isInstanceOf(LookupException.class);
    assertThat(((LookupException) failure).failure()).isEqualTo(Failure.TIMEOUT);
    assertThat(elapsedMs).as("never before the deadline").isGreaterThanOrEqualTo(TIMEOUT_MS);
    assertThat(onLoop(deadline::queued)).as("the expired call left the queue").isZero();
  }

  @Test
  void answeredCallsKeepTheirValueOrFailureCompleteOnTheLoopAndLeaveTheQueue() throws Exception {
    start();
    List<Promise<String>> answers = new ArrayList<>();
    List<Future<String>> bounded = new ArrayList<>();
    onLoop(() -> {
      for (int i = 0; i < 3; i++) {
        Promise<String> answer = Promise.promise();
        answers.add(answer);
        bounded.add(deadline.bound(answer.future()));
      }
      return null;
    });
    assertThat(onLoop(deadline::queued)).isEqualTo(3);

    CompletableFuture<Thread> completedOn = new CompletableFuture<>();
    bounded.get(0).onComplete(ar -> completedOn.complete(Thread.currentThread()));
    Thread loop = onLoop(Thread::currentThread);
    answers.get(0).complete("v"); // from the test's thread, as a reader on another loop would
    assertThat(completedOn.get(10, TimeUnit.SECONDS)).as("completed on the owner's event loop").isSameAs(loop);
    assertThat(bounded.get(0).await(10, TimeUnit.SECONDS)).isEqualTo("v");

    onLoop(() -> answers.get(2).tryFail(new IllegalStateException("connection closed")));
    Throwable failure = failureOf(bounded.get(2));
    assertThat(failure).isInstanceOf(LookupException.class).hasMessageContaining("connection closed");
    assertThat(onLoop(deadline::queued)).as("the third waits behind the unanswered second").isEqualTo(2);

    onLoop(() -> answers.get(1).tryComplete("w"));
    assertThat(bounded.get(1).await(10, TimeUnit.SECONDS)).isEqualTo("w");
    assertThat(onLoop(deadline::queued)).isZero();
  }

  private static Throwable failureOf(Future<?> future) throws Exception {
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    future.onComplete(ar -> failure.complete(ar.cause()));
    return failure.get(10, TimeUnit.SECONDS);
  }
}
