package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.FakeRedisReader;
import dev.redisproxy.cache.FakeTicker;
import dev.redisproxy.cache.Key;
import dev.redisproxy.testing.ProxyFixture;
import io.vertx.core.buffer.Buffer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code X-Cache} and {@code Age} (RFC 9111 §5.1) on {@code GET /get/<key>}: the whole proxy, a fake Redis and clock. */
class CacheHeadersTest {

  private final FakeRedisReader redis = new FakeRedisReader();
  private final FakeTicker ticker = new FakeTicker();
  @RegisterExtension
  final ProxyFixture fixture = ProxyFixture.withReader(redis, ticker)
      .with(Map.of("CACHE_TTL", "10s", "CACHE_STALE_IF_ERROR", "5s", "CACHE_NEGATIVE_TTL", "2s", "REDIS_TIMEOUT", "200ms"));

  @Test
  void aHitAndAStaleAnswerCarryTheirAgeAndAMissNone() throws Exception {
    redis.data.put(Key.of("k"), Buffer.buffer("v"));
    assertThat(headers(fixture.get("/get/k"))).isEqualTo("200 MISS age=none v");
    ticker.advance(Duration.ofMillis(3500));
    assertThat(headers(fixture.get("/get/k"))).isEqualTo("200 HIT age=3 v");
    assertThat(headers(fixture.send("HEAD", "/get/k"))).isEqualTo("200 HIT age=3 ");
    ticker.advance(Duration.ofSeconds(9));
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    assertThat(headers(fixture.get("/get/k"))).isEqualTo("200 STALE age=12 v");
    ticker.advance(Duration.ofSeconds(3));
    assertThat(fixture.get("/get/k").statusCode()).as("past the grace").isEqualTo(503);
  }

  @Test
  void aKeyRememberedAsMissingIsNotFoundWithoutAskingRedisAgain() throws Exception {
    assertThat(fixture.get("/get/absent").statusCode()).isEqualTo(404);
    assertThat(fixture.get("/get/absent").statusCode()).isEqualTo(404);
    assertThat(redis.reads(Key.of("absent"))).isEqualTo(1);
  }

  private static String headers(HttpResponse<byte[]> r) {
    return r.statusCode() + " " + r.headers().firstValue("X-Cache").orElse("none") + " age="
        + r.headers().firstValue("Age").orElse("none") + " " + new String(r.body());
  }
}
