package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RawHttp;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replies the socket cannot write. A reply handed to a connection waits in direct memory until the
 * kernel takes it, and here that memory is made too small ({@code -XX:MaxDirectMemorySize=12m}, three
 * 4 MiB values at most) for the clients that ask for {@link #VALUES} large values and do not read:
 * some writes fail. A failed write leaves a gap in the connection's stream (an HTTP head whose body
 * never comes, RESP replies missing before later ones), so the proxy closes that connection; when the
 * clients read, each gets exact values up to where its connection ended, never wrong bytes, and the
 * proxy logs the cause once and serves new clients. Skipped against an external deployment.
 */
class DirectMemoryIT {

  static final int VALUES = 8;
  static final String JAVA = "-Xmx256m -XX:MaxDirectMemorySize=12m";

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of(
      "JAVA_TOOL_OPTIONS", JAVA, "RESP_PORT", ProxyStack.FREE_PORT, "REDIS_TIMEOUT", "10s", "MAX_PARALLEL", "1"));

  private static List<String> digests;

  @BeforeAll
  static void seed() {
    digests = SmallHeapIT.seedValues(stack, VALUES, DirectMemoryIT::key);
  }

  @Test
  void httpConnectionsWhoseResponsesCannotBeWrittenAreClosedNeverAnsweredWithWrongBytes() throws Exception {
    List<RawHttp> readers = new ArrayList<>();
    try {
      for (int r = 0; r < VALUES; r++) {
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < VALUES; i++) {
          pipeline.append(RawHttp.request("GET", ProxyClient.path(key((r + i) % VALUES))));
        }
        readers.add(stack.connect().send(pipeline.toString()));
      }
      awaitWarning();
      int ended = 0;
      for (int r = 0; r < VALUES; r++) {
        ended += readHttp(readers.get(r), r) < VALUES ? 1 : 0;
      }
      assertThat(ended).as("connections that ended before all their responses").isPositive();
    } finally {
      for (RawHttp reader : readers) {
        reader.close();
      }
    }
    assertStillServing();
  }

  @Test
  void respConnectionsWhoseRepliesCannotBeWrittenAreClosedNeverAnsweredOutOfStep() throws Exception {
    List<RawConnection> readers = new ArrayList<>();
    try {
      for (int r = 0; r < VALUES; r++) {
        RawConnection reader = RawConnection.connect(stack.proxyHost(), stack.respPort());
        for (int i = 0; i < VALUES; i++) {
          reader.send(new String(RawConnection.request("GET", key((r + i) % VALUES)), StandardCharsets.ISO_8859_1));
        }
        readers.add(reader);
      }
      awaitWarning();
      int ended = 0;
      for (int r = 0; r < VALUES; r++) {
        ended += readResp(readers.get(r), r) < VALUES ? 1 : 0;
      }
      assertThat(ended).as("connections that ended before all their replies").isPositive();
    } finally {
      for (RawConnection reader : readers) {
        reader.close();
      }
    }
    assertStillServing();
  }

  /** One reply read off a connection: checks its kind for value {@code i} and returns the value's bytes. */
  @FunctionalInterface
  private interface ValueReader {
    byte[] next(int i) throws IOException;
  }

  private static int readHttp(RawHttp reader, int first) throws IOException {
    return readUntilEnd(first, i -> {
      RawHttp.Response response = reader.read();
      assertThat(response.status()).as("value %d: %s", i, response).isEqualTo(200);
      return response.body();
    });
  }

  private static int readResp(RawConnection reader, int first) throws IOException {
    return readUntilEnd(first, i -> {
      RawConnection.Reply reply = reader.reply();
      assertThat(reply.type()).as("reply for value %d: %s", i, reply).isEqualTo('$');
      return reply.bytes();
    });
  }

  /**
   * Reads the replies until the connection ends (end of stream or reset; a read that times out
   * fails the test); each one read is the exact value. Returns how many.
   */
  private static int readUntilEnd(int first, ValueReader read) throws IOException {
    for (int n = 0; n < VALUES; n++) {
      int i = (first + n) % VALUES;
      byte[] value;
      try {
        value = read.next(i);
      } catch (EOFException | SocketException ended) {
        return n;
      }
      assertThat(SmallHeapIT.sha256(value)).as("SHA-256 of value %d", i).isEqualTo(digests.get(i));
    }
    return VALUES;
  }

  /** The proxy's one warning that a reply could not be written, so the failing path was taken. */
  private static void awaitWarning() throws InterruptedException {
    Await.until("the warning that a reply could not be written", java.time.Duration.ofSeconds(30),
        () -> stack.proxyProcess().output(), out -> out.contains("could not be written"));
  }

  private static void assertStillServing() throws IOException, InterruptedException {
    Reply small = stack.get(stack.key("small"));
    assertThat(small.status()).as("small key: %s", small).isEqualTo(200);
    Reply large = stack.get(key(0));
    assertThat(large.status()).as("a large value, to a client that reads").isEqualTo(200);
    assertThat(SmallHeapIT.sha256(large.body())).isEqualTo(digests.get(0));
    try (RawConnection resp = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      assertThat(resp.call("GET", stack.key("small")).text()).as("small key over RESP").isEqualTo("small value");
    }
    String out = stack.proxyProcess().output();
    assertThat(out.split("could not be written", -1)).as("warned once; output:%n%s", out).hasSizeLessThanOrEqualTo(2);
    assertThat(stack.proxyProcess().alive()).as("proxy process").isTrue();
  }

  private static String key(int i) {
    return stack.key("direct-" + i);
  }
}
