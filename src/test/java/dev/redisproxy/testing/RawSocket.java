package dev.redisproxy.testing;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.SocketFactory;

/**
 * What the raw clients of the test layers ({@link RawConnection}, {@link RawHttp}) share: a socket
 * opened with a deadline on the connect and on every read (a guard against a hung test, not a
 * timing assertion), bytes written exactly as given, and the server closing the connection seen.
 *
 * @param <S> the client, returned by {@link #send} so that a write and a read chain
 */
abstract class RawSocket<S extends RawSocket<S>> implements Closeable {

  private final Socket socket;
  private final Duration readTimeout;
  /** Buffered: line-by-line reads cost no system call a byte. */
  final InputStream in;
  private final OutputStream out;

  RawSocket(SocketFactory factory, String host, int port, Duration readTimeout) throws IOException {
    this.readTimeout = readTimeout;
    socket = open(factory, host, port, readTimeout);
    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    out = socket.getOutputStream();
  }

  /** No Nagle delay, so that each write goes out as the test sent it. */
  private static Socket open(SocketFactory factory, String host, int port, Duration timeout) throws IOException {
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

  abstract S self();

  public S send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return self();
  }

  /**
   * Reads and discards until the server closes the connection, waiting at most {@code deadline}.
   *
   * @return true if it closed (end of stream or reset), false if it was still open at the deadline
   */
  public boolean awaitClosed(Duration deadline) throws IOException {
    long end = System.nanoTime() + deadline.toNanos();
    byte[] sink = new byte[64 * 1024];
    try {
      while (System.nanoTime() < end) {
        socket.setSoTimeout((int) Math.max(1, Math.min(readTimeout.toMillis(), (end - System.nanoTime()) / 1_000_000)));
        try {
          if (in.read(sink) < 0) {
            return true;
          }
        } catch (SocketTimeoutException notYet) {
          // loop to the deadline
        }
      }
      return false;
    } catch (SocketException reset) {
      return true;
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout((int) readTimeout.toMillis());
      }
    }
  }

  /** Half-closes: the server sees the end of the stream, replies already sent can still be read. */
  public void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
