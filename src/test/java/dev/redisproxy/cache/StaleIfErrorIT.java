package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.ProxyFixture;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code CACHE_STALE_IF_ERROR} against a real redis-server that is killed, stalled ({@code SIGSTOP})
 * and brought back: once an entry's {@code CACHE_TTL} has passed, it is served {@code X-Cache: STALE}
 * with its {@code Age} while Redis cannot answer, and never once Redis answers again. The entry
 * expires on the real clock, so each test polls for the state it expects with a deadline
 * ({@link #WITHIN}) that is not a latency target.
 */
class StaleIfErrorIT {

  private static final Duration WITHIN = Duration.ofSeconds(15);

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis()
      .with("CACHE_TTL", "1s").with("CACHE_STALE_IF_ERROR", "1h").with("REDIS_TIMEOUT", "300ms");

  @Test
  void withRedisKilledTheExpiredValueIsServedStaleAndOnceRestartedRedisDecides() throws Exception {
    proxy.redis().set("k", "v");
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS v");
    proxy.redis().kill();
    HttpResponse<byte[]> stale = awaitCache("/get/k", "STALE");
    assertThat(describe(stale)).isEqualTo("200 STALE v");
    assertThat(Long.parseLong(stale.headers().firstValue("Age").orElseThrow()))
        .as("read at least CACHE_TTL ago").isGreaterThanOrEqualTo(1);
    assertThat(proxy.get("/get/never-read").statusCode()).as("nothing to fall back on").isEqualTo(503);

    proxy.redis().restart();
    Await.until(WITHIN, "Redis (restarted empty) to answer that k is gone",
        () -> proxy.get("/get/k").statusCode() == 404);
    proxy.redis().kill();
    Await.until(WITHIN, "Redis to be seen down", () -> proxy.get("/get/other").statusCode() == 503);
    assertThat(proxy.get("/get/k").statusCode()).as("Redis said k is gone: no stale value to serve").isEqualTo(503);
  }

  @Test
  void withRedisStalledTheExpiredValueIsServedStaleUntilItAnswersAgain() throws Exception {
    proxy.redis().set("k", "v1");
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS v1");
    proxy.redis().pause(true);
    try {
      assertThat(describe(awaitCache("/get/k", "STALE"))).isEqualTo("200 STALE v1");
    } finally {
      proxy.redis().pause(false);
    }
    proxy.redis().set("k", "v2");
    Await.until(WITHIN, "the new value once Redis answers", () -> describe(proxy.get("/get/k")).equals("200 MISS v2"));
  }

  /** Polls until a response carries this {@code X-Cache}; returns it. */
  private HttpResponse<byte[]> awaitCache(String path, String xCache) throws InterruptedException {
    AtomicReference<HttpResponse<byte[]>> last = new AtomicReference<>();
    Await.until(WITHIN, "X-Cache: " + xCache, () -> {
      last.set(proxy.get(path));
      return last.get().headers().firstValue("X-Cache").orElse("").equals(xCache);
    });
    return last.get();
  }

  private static String describe(HttpResponse<byte[]> r) {
    return r.statusCode() + " " + r.headers().firstValue("X-Cache").orElse("-") + " " + new String(r.body()).strip();
  }
}
