package dev.redisproxy.e2e;

import static dev.redisproxy.testing.Tools.onPath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.RedisProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    try (Socket s = new Socket(stack.proxyHost(), stack.respPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("PING\r\n"
          + bulkCommand("GET", k)
          + bulkCommand("GET", missing)
          + bulkCommand("SET", k, "x")
          + bulkCommand("GET", k)).getBytes(StandardCharsets.UTF_8));
      out.flush();
      byte[] expected = concat(
          "+PONG\r\n$6\r\n".getBytes(StandardCharsets.US_ASCII), value,
          ("\r\n$-1\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] got = readExactly(s.getInputStream(), expected.length);
      assertThat(got).isEqualTo(expected);
      String refusal = readLine(s.getInputStream());
      assertThat(refusal).startsWith("-ERR").contains("read-only");
      byte[] hit = readExactly(s.getInputStream(), 6 + 4 + 2);
      assertThat(hit).isEqualTo(concat("$6\r\n".getBytes(StandardCharsets.US_ASCII), value, "\r\n".getBytes(StandardCharsets.US_ASCII)));
    }
    try (var jedis = stack.redis()) {
      assertThat(jedis.get(k.getBytes(StandardCharsets.UTF_8))).as("the refused SET did not reach Redis").isEqualTo(value);
    }
  }

  @Test
  void resp3AfterHelloThreeAndBackToResp2AfterHelloTwo() throws Exception {
    String k = stack.key("resp3-exact");
    byte[] value = {'a', '\r', '\n', 0, (byte) 0xFF, '_'};
    stack.set(k.getBytes(StandardCharsets.UTF_8), value);
    String missing = stack.key("resp3-missing");
    try (RespClient c = RespClient.connect(stack.proxyHost(), stack.respPort())) {
      long id = Long.parseLong(c.call("CLIENT", "ID").text());
      String hello = "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n"
          + "$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
          + "$7\r\nmodules\r\n*0\r\n";
      c.sendRaw(concat(bulkCommand("HELLO", "3").getBytes(StandardCharsets.UTF_8), bulkCommand("GET", k).getBytes(StandardCharsets.UTF_8),
          bulkCommand("GET", missing).getBytes(StandardCharsets.UTF_8), bulkCommand("MGET", missing, k).getBytes(StandardCharsets.UTF_8),
          bulkCommand("SET", k, "x").getBytes(StandardCharsets.UTF_8), "INFO nosuch\r\nHELLO 2\r\n".getBytes(StandardCharsets.US_ASCII),
          bulkCommand("GET", missing).getBytes(StandardCharsets.UTF_8)));
      byte[] expected = concat(hello.getBytes(StandardCharsets.US_ASCII),
          "$6\r\n".getBytes(StandardCharsets.US_ASCII), value, "\r\n_\r\n*2\r\n_\r\n$6\r\n".getBytes(StandardCharsets.US_ASCII), value,
          ("\r\n-ERR 'set' refused: redis-proxy is read-only (it serves GET and MGET)\r\n=4\r\ntxt:\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      assertThat(c.readExactly(expected.length)).isEqualTo(expected);
      RespClient.Reply hello2 = c.read();
      assertThat(hello2.type()).isEqualTo('*');
      assertThat(hello2.elements()).hasSize(14);
      assertThat(hello2.elements().get(5).text()).isEqualTo("2");
      assertThat(c.readExactly(5)).isEqualTo("$-1\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    try (var jedis = stack.redis()) {
      assertThat(jedis.get(k.getBytes(StandardCharsets.UTF_8))).as("the refused SET did not reach Redis").isEqualTo(value);
    }
  }

  @Test
  void redisCliInResp3ReadsThroughTheProxy() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH (Debian package redis-tools)");
    String k = stack.key("resp3-cli");
    stack.set(k, "hello in resp3");
    Result r = run("redis-cli", "-3", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()), "MGET", k, stack.key("nope"));
    assertThat(r.exit).isZero();
    assertThat(r.output).isEqualTo("hello in resp3\n\n");
  }

  @Test
  void redisBenchmarkGetInResp3CompletesWithoutErrors() throws Exception {
    assumeTrue(onPath("redis-benchmark"), "redis-benchmark is not on PATH (Debian package redis-tools)");
    Result r = run("redis-benchmark", "-3", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()),
        "-t", "get", "-n", "20000", "-c", "20", "-r", "1000", "-P", "16", "--csv");
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).as(r.output).containsPattern("\"GET\",\"[0-9.]+\"").doesNotContain("ERR").doesNotContain("Error");
  }

  @Test
  void redisCliReadsThroughTheProxy() throws Exception {
    assumeTrue(onPath("redis-cli"), "redis-cli is not on PATH (Debian package redis-tools)");
    String k = stack.key("resp-cli");
    stack.set(k, "hello from redis");
    Result r = run("redis-cli", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()), "GET", k);
    assertThat(r.exit).isZero();
    assertThat(r.output.trim()).isEqualTo("hello from redis");
  }

  @Test
  void redisBenchmarkGetCompletesWithoutErrors() throws Exception {
    assumeTrue(onPath("redis-benchmark"), "redis-benchmark is not on PATH (Debian package redis-tools)");
    Result r = run("redis-benchmark", "-h", stack.proxyHost(), "-p", Integer.toString(stack.respPort()),
        "-t", "get", "-n", "20000", "-c", "20", "-r", "1000", "--csv");
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).as(r.output).containsPattern("\"GET\",\"[0-9.]+\"").doesNotContain("ERR").doesNotContain("Error");
  }

  private record Result(int exit, String output) {
  }

  private static Result run(String... cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("resp-it-", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " did not finish within 120 s");
      }
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static String bulkCommand(String... args) {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
    }
    return sb.toString();
  }

  private static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    assertThat(b).as("connection closed early").hasSize(n);
    return b;
  }

  private static String readLine(InputStream in) throws IOException {
    List<Byte> bytes = new ArrayList<>();
    int prev = -1;
    int c;
    while ((c = in.read()) >= 0) {
      if (prev == '\r' && c == '\n') {
        break;
      }
      bytes.add((byte) c);
      prev = c;
    }
    byte[] b = new byte[bytes.size() - 1];
    for (int i = 0; i < b.length; i++) {
      b[i] = bytes.get(i);
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int pos = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, pos, p.length);
      pos += p.length;
    }
    return out;
  }
}
