package dev.redisproxy.testing;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The harness itself: a blocked event loop fails the test, a busy but unblocked one does not. */
class BlockedThreadsTest {

  private final Vertx vertx = Vertx.vertx(BlockedThreads.options());
  private final BlockedThreads blocked = BlockedThreads.watch(vertx);

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void aTaskThatBlocksAnEventLoopPastTheLimitFailsTheCheck() {
    vertx.runOnContext(v -> sleep(BlockedThreads.MAX_EVENT_LOOP_MS * 4));
    assertThatCode(() -> Await.until(Duration.ofSeconds(30), "the blocked-thread warning", () -> {
      try {
        blocked.assertNone();
        return false;
      } catch (AssertionError reported) {
        return reported.getMessage().contains("vert.x-eventloop-thread") && reported.getMessage().contains("sleep");
      }
    })).doesNotThrowAnyException();
  }

  @Test
  void shortTasksPassTheCheck() throws Exception {
    for (int i = 0; i < 100; i++) {
      vertx.runOnContext(v -> { });
    }
    vertx.executeBlocking(() -> null).await();
    blocked.assertNone();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms); // the blocking call under test
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
