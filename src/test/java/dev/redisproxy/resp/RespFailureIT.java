package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Redis down or too slow: clear errors for misses, cached keys still served, other clients unaffected. */
class RespFailureIT {

  @Test
  void redisDownThenPausedThenBack() throws Exception {
    try (RespFixture proxy = RespFixture.start(Map.of("REDIS_TIMEOUT", "300ms"));
         RawClient c = new RawClient(proxy.respPort())) {
      proxy.redis.set("cached", "yes");
      assertThat(c.send("GET cached\r\n").readLike("$3\r\nyes\r\n")).isEqualTo("$3\r\nyes\r\n");

      proxy.redis.kill();
      String unavailable = "-UNAVAILABLE Redis unavailable: ";
      assertThat(c.send("GET other\r\n").readLike(unavailable)).isEqualTo(unavailable);
      String rest = readLine(c);
      assertThat(rest).isNotBlank();
      // A hit needs no Redis; MGET fails as a whole when a key cannot be read.
      assertThat(c.send("GET cached\r\n").readLike("$3\r\nyes\r\n")).isEqualTo("$3\r\nyes\r\n");
      assertThat(c.send("MGET cached other\r\n").readLike(unavailable)).isEqualTo(unavailable);
      readLine(c);

      proxy.redis.restart();
      proxy.redis.pause(true);
      try {
        String timedOut = "-UNAVAILABLE Redis timed out\r\n";
        assertThat(c.send("GET slow\r\n").readLike(timedOut)).isEqualTo(timedOut);
      } finally {
        proxy.redis.pause(false);
      }
      proxy.redis.set("other", "back");
      assertThat(c.send("GET other\r\n").readLike("$4\r\nback\r\n")).isEqualTo("$4\r\nback\r\n");
    }
  }

  @Test
  void shutdownFinishesRepliesInFlightThenCloses() throws Exception {
    try (RespFixture proxy = RespFixture.start(Map.of("REDIS_TIMEOUT", "60s"));
         RawClient c = new RawClient(proxy.respPort())) {
      proxy.redis.set("k", "v");
      proxy.redis.pause(true);
      Future<Void> drained;
      try {
        c.send("GET k\r\n");
        awaitReadsInFlight(proxy, 1);
        drained = proxy.proxy.drain();
      } finally {
        proxy.redis.pause(false);
      }
      assertThat(c.readLike("$1\r\nv\r\n")).isEqualTo("$1\r\nv\r\n");
      assertThat(c.closedByServer()).isTrue();
      drained.await(30, TimeUnit.SECONDS);
    }
  }

  /** Polls INFO until the cache has {@code n} Redis reads under way; attempts, not time, bound it. */
  private static void awaitReadsInFlight(RespFixture proxy, int n) throws Exception {
    try (RawClient info = new RawClient(proxy.respPort())) {
      for (int attempt = 0; attempt < 1000; attempt++) {
        info.send("INFO cache\r\n");
        String header = readLine(info);
        String body = new String(info.read(Integer.parseInt(header.substring(1, header.length() - 2)) + 2),
            StandardCharsets.UTF_8);
        if (body.contains("cache_inflight:" + n + "\r\n")) {
          return;
        }
      }
    }
    throw new AssertionError("the GET never reached the cache");
  }

  /** The rest of a line, through its CRLF. */
  private static String readLine(RawClient c) throws Exception {
    StringBuilder line = new StringBuilder();
    while (line.length() < 2 || !line.toString().endsWith("\r\n")) {
      line.append((char) c.read(1)[0]);
    }
    return line.toString();
  }
}
