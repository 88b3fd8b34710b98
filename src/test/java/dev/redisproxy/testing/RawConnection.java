package dev.redisproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.SocketFactory;

/**
 * The raw RESP client of the test layers: a client socket, plain or TLS, for tests that must write
 * exact bytes, see exact bytes come back, or watch the server close the connection. HTTP is
 * {@link RawHttp}'s.
 */
public final class RawConnection implements AutoCloseable {

  private static final String HOST = "127.0.0.1";

  /** A guard against a hung test, not a timing assertion. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    out = socket.getOutputStream();
  }

  public static RawConnection plain(int port) throws IOException {
    return using(SocketFactory.getDefault(), port);
  }

  /** A connection made by {@code factory}: an {@code SSLSocketFactory} for TLS. */
  public static RawConnection using(SocketFactory factory, int port) throws IOException {
    return new RawConnection(TestSockets.open(factory, HOST, port, READ_TIMEOUT));
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

  /**
   * Writes {@code text} on another thread, so that the test can read while a request larger than
   * the socket buffers is still going out; the future fails if the write does.
   */
  public CompletableFuture<Void> sendInBackground(String text) {
    return CompletableFuture.runAsync(() -> {
      try {
        send(text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
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

  /** Asserts that the next bytes from the server are exactly {@code reply}. */
  public RawConnection expect(String reply) throws IOException {
    assertThat(readLike(reply)).isEqualTo(reply);
    return this;
  }

  /** Sends {@code request} and asserts that exactly {@code reply} comes back. */
  public RawConnection exchange(String request, String reply) throws IOException {
    return send(request).expect(reply);
  }

  /** The payload of a bulk ({@code $}) or RESP3 verbatim ({@code =}) string reply, as UTF-8 text. */
  public String bulk() throws IOException {
    String header = line();
    assertThat(header).as("a bulk string header").matches("[$=][0-9]+");
    byte[] payload = read(Integer.parseInt(header.substring(1)));
    assertThat(readLike("\r\n")).as("the CRLF after a bulk string").isEqualTo("\r\n");
    return new String(payload, StandardCharsets.UTF_8);
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

  /** Bytes that can be read now without waiting. */
  public int available() throws IOException {
    return in.available();
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
