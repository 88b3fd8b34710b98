package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RawHttp;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that misbehave, against the running jar: malformed and oversized HTTP requests get a
 * 4xx (never a 500), bodies on GET and pipelined requests are handled, HTTP/1.0 is answered and
 * closed; slow clients (slowloris: one byte every so often, never finishing a request, over HTTP
 * and RESP) are cut off after {@code CLIENT_IDLE_TIMEOUT} and cannot hold the
 * {@code MAX_CONNECTIONS} slots. After each, the proxy serves a well-behaved client. Skipped
 * against an external deployment.
 */
class HostileClientsIT {

  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
  private static final int MAX_CONNECTIONS = 6;
  /** Slack on every deadline, for a loaded machine. */
  private static final Duration MARGIN = Duration.ofSeconds(8);
  /** How often a slow client sends its next byte: well inside the idle timeout. */
  private static final Duration DRIP = Duration.ofMillis(200);

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of(
      "CLIENT_IDLE_TIMEOUT", IDLE_TIMEOUT.toMillis() + "ms",
      "MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS),
      "RESP_PORT", ProxyStack.FREE_PORT,
      "MAX_PARALLEL", "2"));
  private static String key;

  @BeforeAll
  static void seed() {
    key = stack.key("hostile");
    stack.set(key, "value");
  }

  // --- malformed and oversized requests

  @Test
  void anOverLongUriIs414AndTheConnectionClosed() throws Exception {
    try (RawHttp conn = stack.connect()) {
      RawHttp.Response r = conn.send(RawHttp.request("GET", "/get/" + "k".repeat(5000))).read();
      assertThat(r.status()).as("%s", r).isEqualTo(414);
      assertThat(conn.awaitClosed()).isTrue();
    }
    assertServed();
  }

  @Test
  void overLargeHeadersAre431() throws Exception {
    try (RawHttp conn = stack.connect()) {
      String big = "GET " + path() + " HTTP/1.1\r\nHost: e2e\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n";
      assertThat(conn.send(big).read().status()).isEqualTo(431);
    }
    try (RawHttp conn = stack.connect()) {
      StringBuilder many = new StringBuilder("GET " + path() + " HTTP/1.1\r\nHost: e2e\r\n");
      for (int i = 0; i < 2000; i++) {
        many.append("X-H").append(i).append(": v\r\n");
      }
      assertThat(conn.send(many.append("\r\n").toString()).read().status()).isEqualTo(431);
    }
    assertServed();
  }

  @ParameterizedTest
  @ValueSource(strings = {"%zz", "%", "%4", "%G1", "a%2", "%%41"})
  void badPercentEncodingIs400AndTheConnectionStaysUsable(String rawKey) throws Exception {
    try (RawHttp conn = stack.connect()) {
      RawHttp.Response bad = conn.send(RawHttp.request("GET", "/get/" + rawKey)).read();
      assertThat(bad.status()).as("%s", bad).isEqualTo(400);
      RawHttp.Response next = conn.send(RawHttp.request("GET", path())).read();
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.text()).isEqualTo("value");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\u0000\u0001\u00ff garbage\r\n\r\n",
      "GET /get/k\r\n\r\n",
      "GET /get/a b HTTP/1.1\r\nHost: e2e\r\n\r\n",
      "G\u0001T /get/k HTTP/1.1\r\nHost: e2e\r\n\r\n",
      "GET /get/k HTTP/1.1\r\nHost: e2e\r\nNoColon\r\n\r\n",
      "GET /get/k HTTP/1.1\r\nHost: e2e\r\nContent-Length: abc\r\n\r\n",
      "GET /get/k HTTP/1.1\r\nHost: e2e\r\nContent-Length: -1\r\n\r\n",
      "GET /get/k HTTP/9.9\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"})
  void garbageIsAClientErrorNeverA500(String request) throws Exception {
    try (Socket s = new Socket(stack.proxyHost(), stack.http().port())) {
      s.setSoTimeout((int) RawHttp.READ_TIMEOUT.toMillis());
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      // Read by hand: the status line may echo the request's made-up version (HTTP/9.9 501).
      String statusLine = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
      assertThat(statusLine).matches("HTTP/\\S+ \\d{3}");
      int status = Integer.parseInt(statusLine.substring(statusLine.length() - 3));
      assertThat(status).as(statusLine).isBetween(400, 501).isNotEqualTo(500);
    }
    assertServed();
  }

  @Test
  void aBodyOnGetIsReadAndIgnored() throws Exception {
    try (RawHttp conn = stack.connect()) {
      conn.send("GET " + path() + " HTTP/1.1\r\nHost: e2e\r\nContent-Length: 5\r\n\r\nhello"
          + "GET " + path() + " HTTP/1.1\r\nHost: e2e\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
          + RawHttp.request("GET", path()));
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = conn.read();
        assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
        assertThat(r.text()).isEqualTo("value");
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    String missing = stack.key("hostile-missing");
    String fresh = stack.key("hostile-fresh-" + System.nanoTime());
    stack.set(fresh, "fresh");
    try (RawHttp conn = stack.connect()) {
      conn.send(RawHttp.request("GET", ProxyClient.path(fresh))
          + RawHttp.request("GET", path())
          + RawHttp.request("GET", ProxyClient.path(missing))
          + RawHttp.request("HEAD", path())
          + RawHttp.request("GET", "/get/%zz")
          + RawHttp.request("POST", path())
          + RawHttp.request("GET", path()));
      RawHttp.Response first = conn.read();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.text()).isEqualTo("fresh");
      assertThat(conn.read().text()).isEqualTo("value");
      assertThat(conn.read().status()).isEqualTo(404);
      RawHttp.Response head = conn.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo("5");
      assertThat(conn.read().status()).isEqualTo(400);
      assertThat(conn.read().status()).isEqualTo(405);
      assertThat(conn.read().text()).isEqualTo("value");
    }
  }

  @Test
  void http10WithoutKeepAliveIsAnsweredThenClosed() throws Exception {
    try (RawHttp conn = stack.connect()) {
      RawHttp.Response r = conn.send("GET " + path() + " HTTP/1.0\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("value");
      assertThat(conn.awaitClosed()).isTrue();
    }
    try (RawHttp conn = stack.connect()) {
      conn.send("GET " + path() + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      assertThat(conn.read().text()).isEqualTo("value");
      assertThat(conn.send("GET " + path() + " HTTP/1.0\r\n\r\n").read().text()).as("kept alive").isEqualTo("value");
    }
  }

  // --- slow clients

  /** Each way of never finishing a request, one byte every {@link #DRIP}. */
  enum Slow {
    HTTP_HEADERS("GET /get/k HTTP/1.1\r\nHost: e2e\r\nX-Slow: ", "a"),
    HTTP_BODY("GET /get/k HTTP/1.1\r\nHost: e2e\r\nContent-Length: 1000000\r\n\r\n", "a"),
    HTTP_CHUNKS("GET /get/k HTTP/1.1\r\nHost: e2e\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\na\r\n"),
    RESP_BULK("*2\r\n$3\r\nGET\r\n$1000\r\n", "a"),
    RESP_INLINE("GET ", "a");

    final byte[] prefix;
    final byte[] drip;

    Slow(String prefix, String drip) {
      this.prefix = prefix.getBytes(StandardCharsets.US_ASCII);
      this.drip = drip.getBytes(StandardCharsets.US_ASCII);
    }

    Dribbler start() throws Exception {
      int port = name().startsWith("RESP") ? stack.respPort() : stack.http().port();
      return Dribbler.start(stack.proxyHost(), port, prefix, drip, DRIP);
    }
  }

  /**
   * One slow client of each kind, and one more, hold every slot: each is cut off within the idle
   * timeout (while still sending) and a well-behaved client is served.
   */
  @Test
  void slowClientsAreCutOffAndCannotHoldTheConnectionSlots() throws Exception {
    List<Slow> kinds = new ArrayList<>(List.of(Slow.values()));
    kinds.add(Slow.HTTP_BODY);
    assertThat(kinds).hasSize(MAX_CONNECTIONS);
    List<Dribbler> slow = new ArrayList<>();
    try {
      for (Slow kind : kinds) {
        slow.add(kind.start());
      }
      Reply served = Await.until("a slot for a well-behaved client", IDLE_TIMEOUT.plus(MARGIN),
          () -> stack.get(key), r -> r.status() == 200);
      assertThat(served.text()).isEqualTo("value");
      for (int i = 0; i < slow.size(); i++) {
        assertThat(slow.get(i).awaitClosedByServer(IDLE_TIMEOUT.plus(MARGIN)))
            .as("%s: closed by the proxy while still sending", kinds.get(i)).isTrue();
      }
    } finally {
      for (Dribbler d : slow) {
        d.close();
      }
    }
  }

  private static String path() {
    return ProxyClient.path(key);
  }

  /** A well-behaved client is served: the misbehaving one did not hurt the proxy. */
  private static void assertServed() throws Exception {
    Reply r = stack.get(key);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.text()).isEqualTo("value");
  }
}
