package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.frontend.ReplyBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP front end's byte budget, driven by hand: who waits, and when they go. */
class ResponseBudgetTest {

  private static final long MAX = 12L << 20;
  private static final long VALUE = 4L << 20;

  private final ResponseBudget budget = new ResponseBudget(MAX);
  private final List<String> started = new ArrayList<>();

  @Test
  void eightLookupsGoBeforeAnyAnswerAndABodyTheClientTookLeavesNothingCounted() {
    List<Long> reserved = new ArrayList<>();
    while (budget.mayStart()) {
      reserved.add(budget.reserve());
    }
    assertThat(reserved).as("values of unknown size: an eighth of the budget each")
        .hasSize(ReplyBudget.FIRST_SHARE);
    for (long r : reserved) {
      budget.answered(r, 10, Future.succeededFuture());
    }
    assertThat(budget.mayStart()).isTrue();
    for (int i = 0; i < 8; i++) {
      budget.answered(budget.reserve(), 10, Future.succeededFuture());
    }
    assertThat(budget.reserve()).as("after sixteen small answers, halving each time").isEqualTo(ResponseBudget.MIN_ESTIMATE);
  }

  @Test
  void bodiesNotYetWrittenHoldTheBudgetAndLookupsWaitForThemInOrder() {
    List<Promise<Void>> bodies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long r = budget.reserve();
      Promise<Void> sent = Promise.promise();
      bodies.add(sent);
      budget.answered(r, VALUE, sent.future());
    }
    assertThat(budget.mayStart()).as("three 4 MiB bodies unread: 12 MiB").isFalse();
    budget.await(() -> start("first"));
    budget.await(() -> start("second"));
    assertThat(started).isEmpty();
    bodies.get(0).complete();
    assertThat(started).as("room for one 4 MiB reservation").containsExactly("first");
    bodies.get(1).fail("connection closed");
    assertThat(started).as("a failed write gives its bytes back too").containsExactly("first", "second");
  }

  @Test
  void theBudgetIsAnEighthOfTheHeapSplitOverTheFrontEndInstances() {
    assertThat(ResponseBudget.forInstance(192L << 20, 1).max()).isEqualTo(12L << 20);
  }

  private void start(String name) {
    started.add(name);
    budget.reserve();
  }
}
