package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that ask for large values and do not read their socket, against the jar in a small heap
 * ({@code -Xmx192m}) with Redis holding {@link #VALUES} distinct values of 4 MiB: as much as the
 * whole heap, so a proxy that queued every reply for them would run out of memory (and exit with
 * status 3). Each slow client asks for every value, so its replies are the heap's size; while it
 * does not read, the proxy stops reading from it, other clients are served, and the process stays
 * up; when it reads at last, it gets every reply, in order, with the right bytes (SHA-256).
 * Skipped against an external deployment (it sets the heap).
 */
class SlowClientsIT {

  static final int VALUES = 48;
  /** PINGs pipelined behind the GETs: far more than the socket buffers hold if the proxy stops reading. */
  static final int FLOOD = 3 << 20;
  static final String PING = "PING\r\n";
  static final String PONG = "+PONG\r\n";
  /**
   * Slow HTTP clients, each pipelining GETs for {@link #PER_READER} of the values: more than the
   * kernel's socket buffers take for one connection, so that the rest waits in the proxy.
   */
  static final int PER_READER = 4;
  static final int HTTP_READERS = VALUES;

  /**
   * Reads of many 4 MiB values at once on a busy two-core machine can take longer than the default
   * second; this test is about what the proxy holds for clients, not about Redis's speed.
   */
  static final String REDIS_TIMEOUT = "10s";
  /**
   * Requests waiting for the budget while slow readers hold it wait up to the idle timeout; the
   * HTTP test pushes 768 MiB through budgets of a few MiB in a 192 MiB heap, which on a loaded
   * two-core machine took a minute, the default. This test is about the bytes held, not that deadline.
   */
  static final String IDLE_TIMEOUT = "5m";

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of(
      "JAVA_TOOL_OPTIONS", SmallHeapIT.HEAP, "RESP_PORT", ProxyStack.FREE_PORT, "REDIS_TIMEOUT", REDIS_TIMEOUT,
      "CLIENT_IDLE_TIMEOUT", IDLE_TIMEOUT));

  private static List<String> digests;

  @BeforeAll
  static void seed() {
    digests = SmallHeapIT.seedValues(stack, VALUES, SlowClientsIT::key);
  }

  /**
   * One RESP client pipelines a GET of every value, an MGET of a quarter of them, then millions of
   * PINGs, and reads nothing: the PINGs cannot all be sent, as the proxy has stopped reading.
   */
  @Test
  void respClientThatDoesNotReadIsPausedAndLaterGetsEveryReplyInOrder() throws Exception {
    int mgetKeys = VALUES / 4;
    try (RawConnection slow = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
      for (int i = 0; i < VALUES; i++) {
        pipeline.writeBytes(RawConnection.request("GET", key(i)));
      }
      String[] mget = new String[mgetKeys + 1];
      mget[0] = "MGET";
      for (int i = 0; i < mgetKeys; i++) {
        mget[i + 1] = key(VALUES - 1 - i);
      }
      pipeline.writeBytes(RawConnection.request(mget));
      slow.send(pipeline.toByteArray());
      CompletableFuture<Void> flood = slow.sendInBackground(PING.repeat(FLOOD));

      assertOthersServed();
      assertThat(flood).as("PINGs sent while the proxy holds replies the client has not read").isNotDone();

      for (int i = 0; i < VALUES; i++) {
        assertValue(slow.reply(), i);
      }
      RawConnection.Reply array = slow.reply();
      assertThat(array.elements()).as("MGET of %d values", mgetKeys).hasSize(mgetKeys);
      for (int i = 0; i < mgetKeys; i++) {
        assertValue(array.elements().get(i), VALUES - 1 - i);
      }
      slow.expect(PONG.repeat(FLOOD));
      flood.get();
    }
    assertOthersServed();
  }

  /**
   * Many HTTP clients pipeline GETs for a few values each and read nothing: between them, responses
   * of four times the heap's size. Meanwhile the process stays up and live and RESP clients are served (HTTP
   * requests for values wait while slow readers hold the budget); when they read, all at once, each
   * gets every response, in order.
   */
  @Test
  void httpClientsThatDoNotReadGetEveryResponseInOrderWhenTheyRead() throws Exception {
    List<RawHttp> readers = new ArrayList<>();
    ExecutorService reading = Executors.newFixedThreadPool(HTTP_READERS);
    try {
      for (int r = 0; r < HTTP_READERS; r++) {
        RawHttp reader = stack.connect();
        readers.add(reader);
        StringBuilder pipeline = new StringBuilder();
        for (int i = r * PER_READER; i < (r + 1) * PER_READER; i++) {
          pipeline.append(RawHttp.request("GET", ProxyClient.path(key(i % VALUES))));
        }
        reader.send(pipeline.toString());
      }

      assertLiveAndServingResp();

      List<Future<?>> reads = new ArrayList<>();
      for (int r = 0; r < HTTP_READERS; r++) {
        int first = r * PER_READER;
        RawHttp reader = readers.get(r);
        reads.add(reading.submit(() -> readValues(reader, first)));
      }
      for (Future<?> read : reads) {
        read.get();
      }
    } finally {
      reading.shutdownNow();
      for (RawHttp reader : readers) {
        reader.close();
      }
    }
    assertOthersServed();
  }

  private static Void readValues(RawHttp reader, int first) throws IOException {
    for (int n = first; n < first + PER_READER; n++) {
      int i = n % VALUES;
      RawHttp.Response response = reader.read();
      assertThat(response.status()).as("value %d: %s %s", i, response.statusLine(), response.text()).isEqualTo(200);
      assertThat(response.body().length).as("length of value %d", i).isEqualTo(SmallHeapIT.VALUE_BYTES);
      assertThat(SmallHeapIT.sha256(response.body())).as("SHA-256 of value %d", i).isEqualTo(digests.get(i));
    }
    return null;
  }

  private static void assertValue(RawConnection.Reply reply, int i) {
    assertThat(reply.type()).as("reply for value %d", i).isEqualTo('$');
    assertThat(reply.bytes().length).as("length of value %d", i).isEqualTo(SmallHeapIT.VALUE_BYTES);
    assertThat(SmallHeapIT.sha256(reply.bytes())).as("SHA-256 of value %d", i).isEqualTo(digests.get(i));
  }

  /** A small key over HTTP and RESP, and liveness, from clients of their own; the process is up. */
  private static void assertOthersServed() throws IOException, InterruptedException {
    Reply small = stack.get(stack.key("small"));
    assertThat(small.status()).as("small key: %s", small).isEqualTo(200);
    assertThat(small.text()).isEqualTo("small value");
    assertLiveAndServingResp();
  }

  private static void assertLiveAndServingResp() throws IOException, InterruptedException {
    try (RawConnection resp = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      assertThat(resp.call("GET", stack.key("small")).text()).as("small key over RESP").isEqualTo("small value");
    }
    assertThat(stack.http().send("GET", "/health/live", null).status()).as("/health/live").isEqualTo(200);
    assertThat(stack.proxyProcess().alive()).as("proxy process; output:%n%s", tail()).isTrue();
  }

  private static String key(int i) {
    return stack.key("slow-" + i);
  }

  private static String tail() {
    String out = stack.proxyProcess().output();
    return out.substring(Math.max(0, out.length() - 4000));
  }
}
