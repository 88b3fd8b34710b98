package dev.redisproxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A slowloris client: sends a prefix, then one small piece every {@code every}, never finishing
 * its request, until the server closes the connection. A thread of its own writes; the test
 * waits for the close with {@link #awaitClosedByServer}.
 */
final class Dribbler implements AutoCloseable {

  private final Socket socket;
  private final Thread writer;
  private volatile boolean stop;
  // Whether the writer was still sending when the connection ended: it was cut off, it did not give up.
  private volatile boolean sending = true;

  private Dribbler(Socket socket, byte[] prefix, byte[] drip, Duration every) {
    this.socket = socket;
    this.writer = new Thread(() -> {
      try {
        OutputStream out = socket.getOutputStream();
        out.write(prefix);
        out.flush();
        while (!stop) {
          Thread.sleep(every.toMillis()); // the pace of the attack, not a wait for the proxy
          out.write(drip);
          out.flush();
        }
      } catch (IOException | InterruptedException closed) {
        // the server closed the connection, or the test is over
      }
      sending = !stop;
    }, "dribbler");
    writer.setDaemon(true);
    writer.start();
  }

  static Dribbler start(String host, int port, byte[] prefix, byte[] drip, Duration every) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 10_000);
    socket.setTcpNoDelay(true);
    return new Dribbler(socket, prefix, drip, every);
  }

  /**
   * Discards what the server sends until it closes the connection.
   *
   * @return true if the server closed it within the deadline, while this client was still sending
   */
  boolean awaitClosedByServer(Duration deadline) throws IOException {
    socket.setSoTimeout((int) deadline.toMillis());
    try (InputStream in = socket.getInputStream()) {
      byte[] sink = new byte[8192];
      while (in.read(sink) >= 0) {
        // a response to the part of the request that was complete (its head) may come first
      }
      return sending;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return sending;
    }
  }

  @Override
  public void close() throws IOException {
    stop = true;
    writer.interrupt();
    socket.close();
  }
}
