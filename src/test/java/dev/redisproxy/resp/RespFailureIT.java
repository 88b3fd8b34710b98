package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis down or too slow: clear errors for misses, cached keys still served, other clients unaffected. */
class RespFailureIT {

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().withResp().deferred();

  @Test
  void redisDownThenPausedThenBack() throws Exception {
    proxy.start(Map.of("REDIS_TIMEOUT", "300ms"));
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      proxy.redis().set("cached", "yes");
      c.exchange("GET cached\r\n", "$3\r\nyes\r\n");

      proxy.redis().kill();
      String unavailable = "-UNAVAILABLE Redis unavailable: ";
      c.exchange("GET other\r\n", unavailable);
      assertThat(c.line()).isNotBlank();
      // A hit needs no Redis; MGET fails as a whole when a key cannot be read.
      c.exchange("GET cached\r\n", "$3\r\nyes\r\n");
      c.exchange("MGET cached other\r\n", unavailable);
      c.line();

      proxy.redis().restart();
      proxy.redis().pause(true);
      try {
        String timedOut = "-UNAVAILABLE Redis timed out\r\n";
        c.exchange("GET slow\r\n", timedOut);
      } finally {
        proxy.redis().pause(false);
      }
      proxy.redis().set("other", "back");
      c.exchange("GET other\r\n", "$4\r\nback\r\n");
    }
  }

  @Test
  void shutdownFinishesRepliesInFlightThenCloses() throws Exception {
    proxy.start(Map.of("REDIS_TIMEOUT", "60s"));
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      proxy.redis().set("k", "v");
      proxy.redis().pause(true);
      Future<Void> drained;
      try {
        c.send("GET k\r\n");
        awaitReadsInFlight(1);
        drained = proxy.proxy().drain();
      } finally {
        proxy.redis().pause(false);
      }
      c.expect("$1\r\nv\r\n");
      assertThat(c.closedByServer()).isTrue();
      drained.await(30, TimeUnit.SECONDS);
    }
  }

  /** Polls INFO until the cache has {@code n} Redis reads under way; attempts, not time, bound it. */
  private void awaitReadsInFlight(int n) throws Exception {
    try (RawConnection info = RawConnection.plain(proxy.respPort())) {
      for (int attempt = 0; attempt < 1000; attempt++) {
        if (info.send("INFO cache\r\n").bulk().contains("cache_inflight:" + n + "\r\n")) {
          return;
        }
      }
    }
    throw new AssertionError("the GET never reached the cache");
  }
}
