package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RawHttp.Response;
import dev.redisproxy.testing.RawHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code MAX_CONNECTIONS}: with the limit held by open keep-alive connections, one more is told
 * {@code 503} and closed; once a held connection closes, a new one is served. Two HTTP verticle
 * instances, so the limit is shown to be global rather than per instance. Skipped against an
 * external deployment.
 *
 * <p>The proxy frees a slot when it notices a close, a moment after the client closed; so a
 * test that needs a slot polls for one ({@link #servedConnection}) instead of assuming it.
 */
class ConnectionLimitIT {

  private static final int LIMIT = 4;
  /** How long to wait for a freed slot: a deadline, not a goal. */
  private static final Duration SLOT_DEADLINE = Duration.ofSeconds(30);

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of(
      "MAX_CONNECTIONS", Integer.toString(LIMIT),
      "MAX_PARALLEL", "2",
      "CLIENT_IDLE_TIMEOUT", "5m"));
  private static String key;
  private final List<RawHttp> held = new ArrayList<>();

  @BeforeAll
  static void seed() {
    key = stack.key("limited");
    stack.set(key, "value");
  }

  @BeforeEach
  void holdEverySlot() throws Exception {
    for (int i = 0; i < LIMIT; i++) {
      held.add(servedConnection());
    }
  }

  @AfterEach
  void release() throws IOException {
    for (RawHttp conn : held) {
      conn.close();
    }
    held.clear();
  }

  @Test
  void oneConnectionPastTheLimitGets503AndIsClosed() throws Exception {
    try (RawHttp extra = stack.connect()) {
      Response refused = extra.send(RawHttp.request("GET", ProxyClient.path(key))).read();
      assertThat(refused.status()).as("%s", refused).isEqualTo(503);
      assertThat(refused.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(refused.header("Retry-After")).isNotNull();
      assertThat(extra.awaitClosed()).as("the refused connection is closed by the proxy").isTrue();
    }

    for (RawHttp conn : held) {
      Response r = conn.send(RawHttp.request("GET", ProxyClient.path(key))).read();
      assertThat(r.status()).as("a held connection is still served: %s", r).isEqualTo(200);
      assertThat(r.text()).isEqualTo("value");
    }

    held.remove(0).close();
    held.add(servedConnection());
  }

  /**
   * A connection past the limit is refused when it is accepted, not at its first request: one
   * that never sends a byte is closed too, rather than held until CLIENT_IDLE_TIMEOUT (set far
   * beyond the read deadline here).
   */
  @Test
  void aRefusedConnectionThatSendsNothingIsClosed() throws Exception {
    try (RawHttp extra = stack.connect()) {
      assertThat(extra.awaitClosed()).as("the refused connection is closed by the proxy").isTrue();
    }
  }

  /** A new connection that got a 200; polls while the proxy still counts a closed connection. */
  private static RawHttp servedConnection() throws Exception {
    return Await.until("a connection slot", SLOT_DEADLINE, () -> {
      RawHttp conn = stack.connect();
      Response r;
      try {
        r = conn.send(RawHttp.request("GET", ProxyClient.path(key))).read();
      } catch (IOException e) {
        conn.close();
        throw e;
      }
      if (r.status() == 200 && "value".equals(r.text())) {
        return conn;
      }
      conn.close();
      assertThat(r.status()).as("a connection either served or refused: %s", r).isEqualTo(503);
      return null;
    }, conn -> conn != null);
  }
}
