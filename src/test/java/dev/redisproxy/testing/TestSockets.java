package dev.redisproxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.SocketFactory;

/** How the raw clients of the test layers ({@link RawConnection}, {@link RawHttp}) open their socket. */
final class TestSockets {

  private TestSockets() {
  }

  /**
   * A connected socket with {@code timeout} on the connect and on every read (a guard against a
   * hung test, not a timing assertion) and no Nagle delay, so that each write goes out as sent.
   */
  static Socket open(SocketFactory factory, String host, int port, Duration timeout) throws IOException {
    Socket socket = factory.createSocket();
    try {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.setTcpNoDelay(true);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }
}
