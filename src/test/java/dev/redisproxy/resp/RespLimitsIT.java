package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MAX_CONNECTIONS (shared with HTTP) and CLIENT_IDLE_TIMEOUT on the RESP port. */
class RespLimitsIT {

  /** Attempts, not a time: the slot of a closed connection is given back asynchronously. */
  private static final int RECONNECT_ATTEMPTS = 200;

  @Test
  void connectionPastTheLimitIsToldAndClosedAndASlotFreesUp() throws Exception {
    try (RespFixture proxy = RespFixture.start(Map.of("MAX_CONNECTIONS", "2"))) {
      RawClient first = new RawClient(proxy.respPort());
      try (RawClient second = new RawClient(proxy.respPort())) {
        assertThat(first.send("PING\r\n").readLike("+PONG\r\n")).isEqualTo("+PONG\r\n");
        assertThat(second.send("PING\r\n").readLike("+PONG\r\n")).isEqualTo("+PONG\r\n");
        try (RawClient third = new RawClient(proxy.respPort())) {
          String refused = "-ERR max number of clients reached\r\n";
          assertThat(third.readLike(refused)).isEqualTo(refused);
          assertThat(third.closedByServer()).isTrue();
        }
        first.close();
        assertThat(connectsWithin(proxy)).isTrue();
      }
    }
  }

  @Test
  void idleConnectionIsClosed() throws Exception {
    try (RespFixture proxy = RespFixture.start(Map.of("CLIENT_IDLE_TIMEOUT", "200ms"));
         RawClient idle = new RawClient(proxy.respPort());
         RawClient stalled = new RawClient(proxy.respPort())) {
      stalled.send("*2\r\n$3\r\nGET\r\n");
      assertThat(idle.closedByServer()).isTrue();
      assertThat(stalled.closedByServer()).isTrue();
    }
  }

  private static boolean connectsWithin(RespFixture proxy) throws IOException {
    for (int i = 0; i < RECONNECT_ATTEMPTS; i++) {
      try (RawClient c = new RawClient(proxy.respPort())) {
        String reply = c.send("PING\r\n").readLike("+PONG\r\n");
        if (reply.equals("+PONG\r\n")) {
          return true;
        }
      }
      Thread.onSpinWait();
    }
    return false;
  }
}
