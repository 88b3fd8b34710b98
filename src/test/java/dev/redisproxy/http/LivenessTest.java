package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.FakeRedisReader;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.testing.ProxyFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /health/live} is a real check: UP while the cache verticle's and every front-end
 * instance's event loop answer, DOWN (503) while one is blocked, UP again once it runs.
 */
class LivenessTest {

  private final BlockingTicker ticker = new BlockingTicker();

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withReader(new FakeRedisReader(), ticker).withResp();

  @Test
  void upWhileEveryEventLoopAnswers() throws Exception {
    HttpResponse<byte[]> live = proxy.get("/health/live");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(ProxyFixture.text(live)).contains("\"id\":\"event-loops\"").contains("\"outcome\":\"UP\"");
  }

  @Test
  void downWhileTheCacheEventLoopIsBlocked() throws Exception {
    // The cache verticle reads the clock for this lookup, and the clock holds its event loop until the test lets it go.
    ticker.armed = true;
    CompletableFuture<HttpResponse<byte[]>> stuck = proxy.sendAsync("GET", "/get/k");
    ticker.entered.await();
    HttpResponse<byte[]> live;
    try {
      live = proxy.get("/health/live");
    } finally {
      ticker.release.countDown();
    }
    assertThat(stuck.get().statusCode()).as("the lookup is answered once the loop runs").isEqualTo(404);
    proxy.forgetBlockedThreads();

    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(ProxyFixture.text(live)).contains("\"outcome\":\"DOWN\"").contains("\"cache\":\"0 of 1 answered");
    assertThat(proxy.get("/health/live").statusCode()).as("the loop runs again").isEqualTo(200);
  }

  /**
   * The system clock, except that once armed, the next reading blocks the reading thread (only the
   * cache verticle's event loop reads this clock) until released.
   */
  private static final class BlockingTicker implements Ticker {

    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean armed;

    @Override
    public long nanos() {
      if (armed) {
        armed = false;
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return System.nanoTime();
    }
  }
}
