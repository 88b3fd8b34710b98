package dev.redisproxy.resp;

import static dev.redisproxy.testing.Tools.onPath;
import static dev.redisproxy.testing.Tools.run;
import static dev.redisproxy.testing.Tools.runWithInput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.Tools.Result;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** The Redis command-line tools, run as processes against the proxy; skipped where they are missing. */
class RespCliIT {

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp()
      .withKeys(Map.of("k", "hello world", "key:__rand_int__", "bench"));

  @Test
  void redisCliGet() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH: skipping the redis-cli test");
    assertThat(run("redis-cli", "-p", port(), "GET", "k")).isEqualTo(new Result(0, "hello world\n"));
    assertThat(run("redis-cli", "-p", port(), "GET", "nope").out()).isEqualTo("\n");
    assertThat(run("redis-cli", "-p", port(), "MGET", "k", "nope").out()).isEqualTo("hello world\n\n");
  }

  @Test
  void redisCliReadsCommandsFromStdinLikeAnInteractiveSession() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH: skipping the redis-cli test");
    Result result = runWithInput("PING\nGET k\nSET k changed\nCOMMAND COUNT\nINFO cache\n", "redis-cli", "-p", port());
    assertThat(result.exit()).isZero();
    assertThat(result.out()).startsWith("PONG\nhello world\nERR 'set' refused: redis-proxy is read-only")
        .contains("# Cache", "cache_hits:");
    try (Jedis redis = proxy.redis().client()) {
      assertThat(redis.get("k")).isEqualTo("hello world");
    }
  }

  @Test
  void redisCliInResp3() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH: skipping the redis-cli test");
    proxy.redis().set("cli:bin".getBytes(StandardCharsets.US_ASCII), new byte[] {'a', '\r', '\n', 0, 'z'});
    assertThat(run("redis-cli", "-3", "-p", port(), "GET", "k")).isEqualTo(new Result(0, "hello world\n"));
    assertThat(run("redis-cli", "-3", "-p", port(), "GET", "nope").out()).isEqualTo("\n");
    assertThat(run("redis-cli", "-3", "-p", port(), "MGET", "k", "nope", "k").out()).isEqualTo("hello world\n\nhello world\n");
    assertThat(run("redis-cli", "-3", "-p", port(), "GET", "cli:bin").out()).isEqualTo("a\r\n\0z\n");
    assertThat(run("redis-cli", "-3", "-p", port(), "HELLO").out()).contains("\nproto 3\n");
    StringBuilder commands = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      commands.append(i % 2 == 0 ? "GET k\n" : "ECHO e" + i + "\n");
      expected.append(i % 2 == 0 ? "hello world\n" : "e" + i + "\n");
    }
    commands.append("SET k changed\n");
    // redis-cli ends an error with an empty line when its output is not a terminal.
    expected.append("ERR 'set' refused: redis-proxy is read-only (it serves GET and MGET)\n\n");
    assertThat(runWithInput(commands.toString(), "redis-cli", "-3", "-p", port())).isEqualTo(new Result(0, expected.toString()));
    try (Jedis redis = proxy.redis().client()) {
      assertThat(redis.get("k")).isEqualTo("hello world");
    }
  }

  @Test
  void redisBenchmarkGet() throws Exception {
    assumeTrue(onPath("redis-benchmark"), "redis-benchmark is not on PATH: skipping the redis-benchmark test");
    Result result = run("redis-benchmark", "-p", port(), "-t", "get", "-n", "2000", "-c", "4", "-P", "8", "--csv");
    assertThat(result.exit()).as(result.out()).isZero();
    assertThat(result.out()).contains("\"GET\"");
    try (Jedis jedis = new Jedis("127.0.0.1", proxy.respPort(), 10_000)) {
      assertThat(jedis.info("cache")).containsPattern("cache_hits:[1-9][0-9]{3}");
    }
  }

  private static String port() {
    return Integer.toString(proxy.respPort());
  }
}
