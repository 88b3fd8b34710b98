package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MAX_CONNECTIONS (shared with HTTP) and CLIENT_IDLE_TIMEOUT on the RESP port. */
class RespLimitsIT {

  /** Attempts, not a time: the slot of a closed connection is given back asynchronously. */
  private static final int RECONNECT_ATTEMPTS = 200;

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().withResp().deferred();

  @Test
  void connectionPastTheLimitIsToldAndClosedAndASlotFreesUp() throws Exception {
    proxy.start(Map.of("MAX_CONNECTIONS", "2"));
    RawConnection first = RawConnection.plain(proxy.respPort());
    try (RawConnection second = RawConnection.plain(proxy.respPort())) {
      first.exchange("PING\r\n", "+PONG\r\n");
      second.exchange("PING\r\n", "+PONG\r\n");
      try (RawConnection third = RawConnection.plain(proxy.respPort())) {
        String refused = "-ERR max number of clients reached\r\n";
        third.expect(refused);
        assertThat(third.closedByServer()).isTrue();
      }
      first.close();
      assertThat(connectsWithin()).isTrue();
    }
  }

  @Test
  void idleConnectionIsClosed() throws Exception {
    proxy.start(Map.of("CLIENT_IDLE_TIMEOUT", "200ms"));
    try (RawConnection idle = RawConnection.plain(proxy.respPort());
         RawConnection stalled = RawConnection.plain(proxy.respPort())) {
      stalled.send("*2\r\n$3\r\nGET\r\n");
      assertThat(idle.closedByServer()).isTrue();
      assertThat(stalled.closedByServer()).isTrue();
    }
  }

  private boolean connectsWithin() throws IOException {
    for (int i = 0; i < RECONNECT_ATTEMPTS; i++) {
      try (RawConnection c = RawConnection.plain(proxy.respPort())) {
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
