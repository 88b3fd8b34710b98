package dev.redisproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.SocketFactory;

/**
 * The raw RESP client of every test layer (in-process tests and {@code e2e/}): a client socket,
 * plain or TLS, for tests that must write exact bytes, see exact bytes come back ({@link #expect}),
 * read a reply parsed into its RESP2 or RESP3 type ({@link #call}, {@link #reply}) where the kind
 * of reply matters more than its bytes, or watch the server close the connection. HTTP is
 * {@link RawHttp}'s.
 *
 * <p>Every read has a deadline ({@link #READ_TIMEOUT}), so a proxy that never answers fails the
 * test instead of hanging it.
 */
public final class RawConnection extends RawSocket<RawConnection> {

  private static final String HOST = "127.0.0.1";

  /** Generous bound on any single read: a deadline against hangs, not a performance goal. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  private RawConnection(SocketFactory factory, String host, int port) throws IOException {
    super(factory, host, port, READ_TIMEOUT);
  }

  @Override
  RawConnection self() {
    return this;
  }

  public static RawConnection plain(int port) throws IOException {
    return connect(HOST, port);
  }

  /** A plain connection to {@code host}: the proxy of a compose deployment, for instance. */
  public static RawConnection connect(String host, int port) throws IOException {
    return new RawConnection(SocketFactory.getDefault(), host, port);
  }

  /** A connection made by {@code factory}: an {@code SSLSocketFactory} for TLS. */
  public static RawConnection using(SocketFactory factory, int port) throws IOException {
    return new RawConnection(factory, HOST, port);
  }

  /** Writes {@code text} as UTF-8. */
  public RawConnection send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
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
      throw new EOFException("connection ended after " + buf.length + " of " + n + " bytes: "
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

  /** Asserts that the next bytes from the server are exactly {@code reply}. */
  public RawConnection expect(byte[] reply) throws IOException {
    assertThat(read(reply.length)).isEqualTo(reply);
    return this;
  }

  /** Sends {@code request} and asserts that exactly {@code reply} comes back. */
  public RawConnection exchange(String request, String reply) throws IOException {
    return send(request).expect(reply);
  }

  /** The payload of a bulk ({@code $}) or RESP3 verbatim ({@code =}) string reply, as UTF-8 text. */
  public String bulk() throws IOException {
    Reply reply = reply();
    assertThat(reply.type()).as("the reply %s", reply).isIn('$', '=');
    return reply.text();
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
    throw new EOFException("connection ended after " + line.size() + " bytes of a line: " + line);
  }

  /** Sends one command, its arguments as UTF-8, as a multibulk request; does not wait for the reply. */
  public RawConnection sendCommand(String... args) throws IOException {
    return send(request(args));
  }

  /** Sends one command with binary arguments; does not wait for the reply. */
  public RawConnection sendCommand(byte[]... args) throws IOException {
    return send(RespFrames.multibulk(args));
  }

  /** The multibulk request of a command, its arguments as UTF-8: for a pipeline sent in one write. */
  public static byte[] request(String... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return RespFrames.multibulk(bytes);
  }

  /** {@code parts} one after another: byte arrays as they are, anything else as its text in UTF-8. */
  public static byte[] bytes(Object... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (Object part : parts) {
      all.writeBytes(part instanceof byte[] b ? b : part.toString().getBytes(StandardCharsets.UTF_8));
    }
    return all.toByteArray();
  }

  /** Sends one command and reads the first line of its reply. */
  public String command(String... args) throws IOException {
    return sendCommand(args).line();
  }

  /** Sends one command and reads its reply, parsed. */
  public Reply call(String... args) throws IOException {
    return sendCommand(args).reply();
  }

  /** Reads one reply, parsed: RESP2's types and, after {@code HELLO 3}, RESP3's. */
  public Reply reply() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection ended before a reply");
    }
    String line = line();
    return switch (type) {
      case '+', '-', ':', ',', '#', '(' -> new Reply((char) type, line.getBytes(StandardCharsets.UTF_8), null);
      case '_' -> new Reply('_', null, null);
      case '$', '=' -> {
        int length = Integer.parseInt(line);
        if (length < 0) {
          yield new Reply('$', null, null);
        }
        byte[] body = read(length);
        if (!"\r\n".equals(readLike("\r\n"))) {
          throw new IOException("a bulk reply of " + length + " bytes without its CRLF");
        }
        yield new Reply((char) type, body, null);
      }
      case '*', '~', '%' -> {
        int count = Integer.parseInt(line);
        if (count < 0) {
          yield new Reply('*', null, null);
        }
        int n = type == '%' ? 2 * count : count;
        List<Reply> elements = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          elements.add(reply());
        }
        yield new Reply((char) type, null, elements);
      }
      default -> throw new IOException("not a RESP reply: type byte 0x" + Integer.toHexString(type));
    };
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

  /**
   * One reply: {@code +}, {@code -}, {@code :} (and RESP3's {@code ,}, {@code #}, {@code (}) carry
   * their line in {@code bytes}; {@code $} and RESP3's verbatim {@code =} their payload (null for
   * RESP2's nil); {@code *} and RESP3's set {@code ~} their elements (null for a nil array), a map
   * {@code %} its keys and values in turn; RESP3's null is {@code _}.
   */
  public record Reply(char type, byte[] bytes, List<Reply> elements) {

    public boolean isError() {
      return type == '-';
    }

    /** RESP2's nil bulk string or RESP3's null. */
    public boolean isNil() {
      return (type == '$' && bytes == null) || type == '_';
    }

    public String text() {
      return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      if (type == '*' || type == '~' || type == '%') {
        return elements == null ? "*nil" : type + elements.toString();
      }
      if (bytes == null) {
        return "(nil)";
      }
      String text = text();
      return type + (text.length() > 80 ? text.substring(0, 80) + "... (" + bytes.length + " bytes)" : text);
    }
  }
}
