package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {

  private final List<Promise<String>> started = new ArrayList<>();

  private Future<String> call() {
    Promise<String> p = Promise.promise();
    started.add(p);
    return p.future();
  }

  @Test
  void startsAtMostTheLimitAndTheRestInOrderAsCallsFinish() {
    InFlightLimit limit = new InFlightLimit(2, 10);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(limit.submit(this::call));
    }
    assertThat(started).hasSize(2);
    assertThat(limit.waiting()).isEqualTo(3);
    started.get(1).complete("b");
    assertThat(results.get(1).result()).isEqualTo("b");
    assertThat(started).as("the first waiting call starts").hasSize(3);
    started.get(0).fail("boom");
    assertThat(results.get(0).cause()).hasMessage("boom");
    assertThat(started).hasSize(4);
    started.get(2).complete("c");
    started.get(3).complete("d");
    started.get(4).complete("e");
    assertThat(results.stream().skip(2).map(Future::result)).containsExactly("c", "d", "e");
    assertThat(limit.running()).isZero();
  }

  @Test
  void pastTheWaitingBoundCallsFailAtOnceAsOverloaded() {
    InFlightLimit limit = new InFlightLimit(1, 1);
    limit.submit(this::call);
    limit.submit(this::call);
    Future<String> refused = limit.submit(this::call);
    assertThat(refused.failed()).isTrue();
    assertThat(refused.cause()).isInstanceOfSatisfying(LookupException.class,
        e -> assertThat(e.failure()).isEqualTo(Failure.OVERLOADED));
  }

  @Test
  void callsThatFinishAtOnceDrainTheQueueWithoutRecursing() {
    InFlightLimit limit = new InFlightLimit(1, 100_000);
    Future<String> first = limit.submit(this::call);
    List<Future<String>> quick = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      quick.add(limit.submit(() -> Future.succeededFuture("now")));
    }
    started.get(0).complete("first");
    assertThat(first.result()).isEqualTo("first");
    assertThat(quick).allMatch(f -> "now".equals(f.result()));
    assertThat(limit.running()).isZero();
  }

  @Test
  void aCallThatThrowsFailsItsFutureAndFreesItsPlace() {
    InFlightLimit limit = new InFlightLimit(1, 1);
    Future<String> thrown = limit.submit(() -> {
      throw new IllegalStateException("client closed");
    });
    assertThat(thrown.cause()).hasMessage("client closed");
    assertThat(limit.running()).isZero();
  }

  /**
   * The cache verticle bounds each read with {@code timeout}: on a future without a context that
   * fires on Netty's global executor, and the verticle's callbacks would run there, off its event loop.
   */
  @Test
  void aWaitingCallsFutureBelongsToTheCallersContextSoItsTimeoutFiresThere() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Context context = vertx.getOrCreateContext();
      CompletableFuture<Boolean> onContext = new CompletableFuture<>();
      context.runOnContext(v -> {
        InFlightLimit limit = new InFlightLimit(1, 1);
        limit.submit(this::call);
        limit.submit(this::call).timeout(10, TimeUnit.MILLISECONDS)
            .onFailure(err -> onContext.complete(Vertx.currentContext() == context));
      });
      assertThat(onContext.get(10, TimeUnit.SECONDS)).as("the timeout's callback runs on the caller's context").isTrue();
    } finally {
      vertx.close().await();
    }
  }
}
