package dev.redisproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import javax.net.SocketFactory;

/**
 * The raw RESP client of the test layers: a client socket, plain or TLS, for tests that must write
 * exact bytes, see exact bytes come back, or watch the server close the connection. HTTP is
 * {@link RawHttp}'s.
 */
public final class RawConnection implements AutoCloseable {

  private static final String HOST = "127.0.0.1";

  /** A guard against a hung test, not a timing assertion. */
  private static final int READ_TIMEOUT_MS = 20_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(READ_TIMEOUT_MS);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  public static RawConnection plain(int port) throws IOException {
    return new RawConnection(new Socket(HOST, port));
  }

  public static RawConnection using(SocketFactory factory, int port) throws IOException {
    return new RawConnection(factory.createSocket(HOST, port));
  }

  /** Writes {@code text} as UTF-8. */
  public RawConnection send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  public RawConnection send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads exactly {@code n} bytes, failing if the connection ends first. */
  public byte[] read(int n) throws IOException {
    byte[] buf = in.readNBytes(n);
    if (buf.length < n) {
      throw new IOException("connection ended after " + buf.length + " of " + n + " bytes: "
          + new String(buf, StandardCharsets.ISO_8859_1));
    }
    return buf;
  }

  /** Reads as many bytes as {@code expected} has, as text: compare the two for an exact-bytes check. */
  public String readLike(String expected) throws IOException {
    return new String(read(expected.getBytes(StandardCharsets.ISO_8859_1).length), StandardCharsets.ISO_8859_1);
  }

  /** One line without its CRLF; fails if the connection ends first. */
  public String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int prev = -1;
    int c;
    while ((c = in.read()) >= 0) {
      if (prev == '\r' && c == '\n') {
        byte[] b = line.toByteArray();
        return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
      }
      line.write(c);
      prev = c;
    }
    throw new IOException("connection ended after " + line.size() + " bytes of a line: " + line);
  }

  /** Sends one RESP command (multibulk) and reads the first line of its reply. */
  public String command(String... args) throws IOException {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
    }
    return send(sb.toString()).line();
  }

  /** Everything the server sends until it closes the connection (a reset counts as closed). */
  public byte[] readToEnd() throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        all.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // closed abruptly: as good as closed
    }
    return all.toByteArray();
  }

  /** True if the server closed the connection: the next read finds the end of the stream. */
  public boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
