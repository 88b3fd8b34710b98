package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code CLIENT_IDLE_TIMEOUT}: a client connection that sends nothing, or stalls in the middle
 * of a request, is closed by the proxy. Short timeout, so it needs its own proxy and is skipped
 * against an external deployment.
 */
class TimeoutsIT {

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of("CLIENT_IDLE_TIMEOUT", "500ms"));

  @Test
  void aSilentConnectionIsClosed() throws Exception {
    try (RawHttp conn = stack.connect()) {
      assertThat(conn.awaitClosed()).as("closed by the proxy").isTrue();
    }
  }

  @Test
  void aConnectionStalledMidRequestIsClosed() throws Exception {
    try (RawHttp conn = stack.connect()) {
      conn.send("GET " + ProxyClient.path(stack.key("stalled")) + " HTTP/1.1\r\nHo");
      assertThat(conn.awaitClosed()).as("closed by the proxy").isTrue();
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterItsRequest() throws Exception {
    String key = stack.key("idle");
    stack.set(key, "v");
    try (RawHttp conn = stack.connect()) {
      RawHttp.Response r = conn.send(RawHttp.request("GET", ProxyClient.path(key))).read();
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      assertThat(conn.awaitClosed()).as("closed by the proxy").isTrue();
    }
  }
}
