package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.FakeTicker;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.testing.ProxyFixture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
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

  private final BlockingReader reader = new BlockingReader();

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withReader(reader, new FakeTicker()).withResp();

  @Test
  void upWhileEveryEventLoopAnswers() throws Exception {
    HttpResponse<byte[]> live = proxy.get("/health/live");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(ProxyFixture.text(live)).contains("\"id\":\"event-loops\"").contains("\"outcome\":\"UP\"");
  }

  @Test
  void downWhileTheCacheEventLoopIsBlocked() throws Exception {
    // The read of this key holds the cache verticle's event loop until the test lets it go.
    CompletableFuture<HttpResponse<byte[]>> stuck = proxy.sendAsync("GET", "/get/" + BlockingReader.BLOCKING_KEY);
    reader.entered.await();
    HttpResponse<byte[]> live;
    try {
      live = proxy.get("/health/live");
    } finally {
      reader.release.countDown();
    }
    assertThat(stuck.get().statusCode()).isEqualTo(200);
    proxy.forgetBlockedThreads();

    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(ProxyFixture.text(live)).contains("\"outcome\":\"DOWN\"").contains("\"cache\":\"0 of 1 answered");
    assertThat(proxy.get("/health/live").statusCode()).as("the loop runs again").isEqualTo(200);
  }

  /** Reads every key at once, except one whose read blocks the calling (cache) event loop. */
  private static final class BlockingReader implements RedisReader {

    static final String BLOCKING_KEY = "block";

    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public Future<Buffer> get(Key key) {
      if (key.equals(Key.of(BLOCKING_KEY))) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Future.succeededFuture(Buffer.buffer("v"));
    }

    @Override
    public Future<Void> ping() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }
}
