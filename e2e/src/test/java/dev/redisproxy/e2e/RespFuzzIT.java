package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.RespFrames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Generated and mutated RESP frames ({@link RespFrames}) against the running jar, over many
 * connections at once, while a well-behaved client keeps reading a key over RESP and HTTP. Every
 * fuzzing connection gets well-formed replies and then is closed, by the proxy (after a protocol
 * error, a QUIT, or {@code CLIENT_IDLE_TIMEOUT}) or after the client's end of stream; the
 * well-behaved client is answered correctly throughout; afterwards no connection slot is left
 * taken and the heap after a full GC is back under a bound, in a JVM capped at {@link #HEAP_LIMIT}.
 * The parser's million-frame run is {@code RespParserFuzzTest}; this one checks the whole server.
 */
class RespFuzzIT {

  private static final int CONNECTIONS = 800;
  private static final int THREADS = 8;
  private static final String HEAP_LIMIT = "256m";
  /** Heap in use after a full GC once the fuzzing is over: the cache is tiny, so this is generous. */
  private static final long HEAP_AFTER_GC_BOUND = 96L << 20;
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
  /** How long a fuzzing connection may take to be answered and closed: deadlines against hangs. */
  private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(30);
  private static final long SEED = 0xF022_0001L;

  @Test
  void fuzzedConnectionsAreAnsweredOrClosedAndOthersKeepBeingServed() throws Exception {
    try (ProxyStack stack = ProxyStack.startLocal(Map.of(
        "RESP_PORT", Integer.toString(RedisProcess.freePort()),
        "MAX_PARALLEL", "2",
        "CLIENT_IDLE_TIMEOUT", IDLE_TIMEOUT.toMillis() + "ms",
        "CACHE_MAXSIZE", "1000",
        "JAVA_TOOL_OPTIONS", "-Xmx" + HEAP_LIMIT))) {
      String canaryKey = stack.key("canary");
      stack.set(canaryKey, "alive");
      AtomicBoolean fuzzing = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
      Future<Long> canary = pool.submit(() -> canary(stack, canaryKey, fuzzing));
      AtomicLong frames = new AtomicLong();
      AtomicLong replies = new AtomicLong();
      List<Future<?>> fuzzers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(SEED + t);
        fuzzers.add(pool.submit(() -> {
          for (int c = 0; c < CONNECTIONS / THREADS; c++) {
            fuzzOneConnection(stack, random, frames, replies);
          }
          return null;
        }));
      }
      try {
        for (Future<?> f : fuzzers) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        fuzzing.set(false);
        pool.shutdown();
      }
      assertThat(canary.get(1, TimeUnit.MINUTES)).as("well-behaved requests answered during the fuzzing").isPositive();
      assertThat(frames.get()).as("frames sent").isGreaterThan(CONNECTIONS * 3L);
      assertThat(replies.get()).as("replies received").isGreaterThan(CONNECTIONS);

      ProxyProcess proxy = stack.proxyProcess();
      assertThat(proxy.alive()).as("proxy alive; output:%n%s", proxy.output()).isTrue();
      Await.until("every fuzzing connection's slot given back", Duration.ofSeconds(30),
          () -> metrics(stack).get("redis_proxy_client_connections"), open -> open <= 2);
      assertThat(heapAfterFullGc(stack, proxy)).as("heap bytes in use after a full GC")
          .isLessThan(HEAP_AFTER_GC_BOUND);
      assertThat(proxy.output()).doesNotContain("OutOfMemoryError").doesNotContain("Exception in thread");
    }
  }

  /**
   * One connection: a stream of valid and mutated frames in a few writes; then, usually, the end
   * of the stream, otherwise silence (the proxy must close it by itself). Reads until the proxy
   * closes, checking that what came back is a sequence of well-formed replies.
   */
  private static void fuzzOneConnection(ProxyStack stack, Random random, AtomicLong frames, AtomicLong replies)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      RespFrames.Stream s = RespFrames.stream(random);
      out.writeBytes(s.bytes());
      frames.addAndGet(s.frames());
    }
    byte[] bytes = out.toByteArray();
    boolean halfClose = random.nextInt(5) != 0;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(stack.proxyHost(), stack.respPort()), 10_000);
      socket.setSoTimeout((int) CLOSE_DEADLINE.toMillis());
      OutputStream os = socket.getOutputStream();
      try {
        for (int from = 0; from < bytes.length; ) {
          int len = Math.min(bytes.length - from, 1 + random.nextInt(bytes.length));
          os.write(bytes, from, len);
          os.flush();
          from += len;
        }
        if (halfClose) {
          socket.shutdownOutput();
        }
      } catch (SocketException closedEarly) {
        // the proxy closed after a protocol error while we were still writing: that is an answer
      }
      byte[] received = readUntilClosed(socket.getInputStream());
      replies.addAndGet(wellFormedReplies(received, bytes));
    }
  }

  private static byte[] readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // closed with unread input: a close all the same
    }
    return got.toByteArray();
  }

  /** Counts the replies in what the proxy sent; fails on anything that is not RESP. A cut tail is allowed. */
  private static long wellFormedReplies(byte[] in, byte[] sent) {
    int[] pos = {0};
    long count = 0;
    try {
      while (pos[0] < in.length && reply(in, pos)) {
        count++;
      }
    } catch (AssertionError | NumberFormatException e) {
      throw new AssertionError("malformed reply at byte " + pos[0] + " of " + in.length + " to " + hex(sent), e);
    }
    return count;
  }

  /** Parses one reply at pos; false if the input ends inside it; fails the test if it is not RESP. */
  private static boolean reply(byte[] in, int[] pos) {
    if (pos[0] >= in.length) {
      return false;
    }
    byte type = in[pos[0]++];
    int lf = indexOf(in, pos[0], (byte) '\n');
    if (lf < 0) {
      return false;
    }
    assertThat(in[lf - 1]).as("CRLF ends a reply line").isEqualTo((byte) '\r');
    String line = new String(in, pos[0], lf - 1 - pos[0], java.nio.charset.StandardCharsets.ISO_8859_1);
    pos[0] = lf + 1;
    switch (type) {
      case '+', '-' -> {
        return true;
      }
      case ':' -> {
        Long.parseLong(line);
        return true;
      }
      case '$' -> {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return true;
        }
        if (pos[0] + len + 2 > in.length) {
          return false;
        }
        pos[0] += len + 2;
        return true;
      }
      case '*' -> {
        int count = Integer.parseInt(line);
        for (int i = 0; i < count; i++) {
          if (!reply(in, pos)) {
            return false;
          }
        }
        return true;
      }
      default -> throw new AssertionError("not a RESP reply type: 0x" + Integer.toHexString(type & 0xff));
    }
  }

  private static int indexOf(byte[] in, int from, byte b) {
    for (int i = from; i < in.length; i++) {
      if (in[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** GETs the key over RESP and HTTP until the fuzzing ends; fails at the first wrong or missing answer. */
  private static long canary(ProxyStack stack, String key, AtomicBoolean fuzzing) throws Exception {
    long answered = 0;
    while (fuzzing.get()) {
      // A fresh connection each round: CLIENT_IDLE_TIMEOUT is short, and the slots are shared.
      try (RawConnection resp = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
        for (int i = 0; i < 20; i++) {
          assertThat(resp.call("GET", key).text()).isEqualTo("alive");
          answered++;
        }
      }
      Reply http = stack.get(key);
      assertThat(http.status()).isEqualTo(200);
      assertThat(http.text()).isEqualTo("alive");
      answered++;
    }
    return answered;
  }

  private static PrometheusText metrics(ProxyStack stack) throws Exception {
    return PrometheusText.parse(stack.http().send("GET", "/metrics", null).text());
  }

  /** Forces a full GC in the proxy (jcmd GC.run), then reads the heap in use from /metrics. */
  private static long heapAfterFullGc(ProxyStack stack, ProxyProcess proxy) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(proxy.pid()), "GC.run")
        .redirectErrorStream(true).start();
    String out = new String(gc.getInputStream().readAllBytes());
    assertThat(gc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(gc.exitValue()).as("jcmd GC.run: %s", out).isZero();
    String scrape = stack.http().send("GET", "/metrics", null).text();
    long used = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        used += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    assertThat(used).as("heap figures in /metrics").isPositive();
    return used;
  }

  private static String hex(byte[] bytes) {
    return java.util.HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 512));
  }
}
