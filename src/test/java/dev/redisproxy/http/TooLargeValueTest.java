package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.FakeRedisReader;
import dev.redisproxy.cache.FakeTicker;
import dev.redisproxy.cache.Key;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import io.vertx.core.buffer.Buffer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What each front end answers for a value larger than the proxy reads, with a fake Redis: a clear error, every time. */
class TooLargeValueTest {

  private static final String MESSAGE = "value larger than 1024 bytes, the most this proxy reads";

  private final FakeRedisReader redis = new FakeRedisReader();
  @RegisterExtension
  final ProxyFixture fixture = ProxyFixture.withReader(redis, new FakeTicker()).withResp();

  @Test
  void http502AndRespErrWithTheMessageOnEveryRequest() throws Exception {
    redis.data.put(Key.of("k"), Buffer.buffer("v"));
    redis.failWith(Failure.TOO_LARGE, MESSAGE);
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> r = fixture.get("/get/big");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(ProxyFixture.text(r)).contains(MESSAGE);
      assertThat(r.headers().firstValue("Retry-After")).as("retrying will not help").isEmpty();
    }
    try (RawConnection c = RawConnection.plain(fixture.respPort())) {
      assertThat(c.command("GET", "big")).isEqualTo("-ERR " + MESSAGE);
    }
    assertThat(redis.reads(Key.of("big"))).as("never cached: read again each time").isEqualTo(3);
  }
}
