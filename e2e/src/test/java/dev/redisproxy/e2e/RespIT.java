package dev.redisproxy.e2e;

import static dev.redisproxy.testing.RawConnection.bytes;
import static dev.redisproxy.testing.RawConnection.request;
import static dev.redisproxy.testing.Tools.onPath;
import static dev.redisproxy.testing.Tools.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.Tools.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The RESP front end of the running jar, black box: exact bytes over a raw socket in RESP2 and
 * RESP3, redis-cli, and redis-benchmark GET runs in both protocols that must finish without errors. Runs against an external
 * deployment too when it names its RESP port ({@code E2E_RESP_PORT}).
 */
class RespIT {

  private static ProxyStack stack;

  @BeforeAll
  static void start() throws Exception {
    if (ProxyStack.external()) {
      stack = ProxyStack.startOrExternal(Map.of());
      assumeTrue(stack.respPort() != 0, "E2E_RESP_PORT is not set for the external deployment");
    } else {
      stack = ProxyStack.startLocal(Map.of("RESP_PORT", Integer.toString(RedisProcess.freePort()), "MAX_PARALLEL", "2"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void pipelinedCommandsGetExactRepliesInOrder() throws Exception {
    String k = stack.key("resp-exact");
    byte[] value = {'a', '\r', '\n', 0, (byte) 0xFF, 'z'};
    stack.set(k.getBytes(StandardCharsets.UTF_8), value);
    String missing = stack.key("resp-missing");
    try (RawConnection c = connect()) {
      c.send(bytes("PING\r\n", request("GET", k), request("GET", missing), request("SET", k, "x"), request("GET", k)));
      c.expect(bytes("+PONG\r\n$6\r\n", value, "\r\n$-1\r\n"));
      assertThat(c.line()).startsWith("-ERR").contains("read-only");
      c.expect(bytes("$6\r\n", value, "\r\n"));
    }
  }

  @Test
  void resp3AfterHelloThreeAndBackToResp2AfterHelloTwo() throws Exception {
    String k = stack.key("resp3-exact");
    byte[] value = {'a', '\r', '\n', 0, (byte) 0xFF, '_'};
    stack.set(k.getBytes(StandardCharsets.UTF_8), value);
    String missing = stack.key("resp3-missing");
    try (RawConnection c = connect()) {
      long id = Long.parseLong(c.call("CLIENT", "ID").text());
      String hello = "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n"
          + "$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
          + "$7\r\nmodules\r\n*0\r\n";
      c.send(bytes(request("HELLO", "3"), request("GET", k), request("GET", missing), request("MGET", missing, k),
          request("SET", k, "x"), "INFO nosuch\r\nHELLO 2\r\n", request("GET", missing)));
      c.expect(bytes(hello, "$6\r\n", value, "\r\n_\r\n*2\r\n_\r\n$6\r\n", value,
          "\r\n-ERR 'set' refused: redis-proxy is read-only (it serves GET and MGET)\r\n=4\r\ntxt:\r\n"));
      RawConnection.Reply hello2 = c.reply();
      assertThat(hello2.type()).isEqualTo('*');
      assertThat(hello2.elements()).hasSize(14);
      assertThat(hello2.elements().get(5).text()).isEqualTo("2");
      c.expect("$-1\r\n");
    }
    try (var jedis = stack.redis()) {
      assertThat(jedis.get(k.getBytes(StandardCharsets.UTF_8))).as("the refused SET did not reach Redis").isEqualTo(value);
    }
  }

  private static RawConnection connect() throws IOException {
    return RawConnection.connect(stack.proxyHost(), stack.respPort());
  }

  @Test
  void redisCliInResp3ReadsThroughTheProxy() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH (Debian package redis-tools)");
    String k = stack.key("resp3-cli");
    stack.set(k, "hello in resp3");
    Result r = run("redis-cli", "-3", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()), "MGET", k, stack.key("nope"));
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("hello in resp3\n\n");
  }

  @Test
  void redisBenchmarkGetInResp3CompletesWithoutErrors() throws Exception {
    assumeTrue(onPath("redis-benchmark"), "redis-benchmark is not on PATH (Debian package redis-tools)");
    Result r = run("redis-benchmark", "-3", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()),
        "-t", "get", "-n", "20000", "-c", "20", "-r", "1000", "-P", "16", "--csv");
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).as(r.out()).containsPattern("\"GET\",\"[0-9.]+\"").doesNotContain("ERR").doesNotContain("Error");
  }

  @Test
  void redisCliReadsThroughTheProxy() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH (Debian package redis-tools)");
    String k = stack.key("resp-cli");
    stack.set(k, "hello from redis");
    Result r = run("redis-cli", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()), "GET", k);
    assertThat(r.exit()).isZero();
    assertThat(r.out().trim()).isEqualTo("hello from redis");
  }

  @Test
  void redisBenchmarkGetCompletesWithoutErrors() throws Exception {
    assumeTrue(onPath("redis-benchmark"), "redis-benchmark is not on PATH (Debian package redis-tools)");
    Result r = run("redis-benchmark", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()),
        "-t", "get", "-n", "20000", "-c", "20", "-r", "1000", "--csv");
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).as(r.out()).containsPattern("\"GET\",\"[0-9.]+\"").doesNotContain("ERR").doesNotContain("Error");
  }
}
