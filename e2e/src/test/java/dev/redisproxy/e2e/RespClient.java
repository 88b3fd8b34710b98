package dev.redisproxy.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * RESP over a plain socket: commands go out as multibulk requests (or raw bytes), replies come
 * back parsed, RESP2's types and, after {@code HELLO 3}, RESP3's. For the system tests that need the exact reply kind (an error versus nil versus a
 * value) under faults, with hostile input, or with keys and values no client library would send.
 *
 * <p>Every read has a deadline ({@link #READ_TIMEOUT}), so a proxy that never answers fails the
 * test instead of hanging it.
 */
public final class RespClient implements Closeable {

  /** Generous bound on any single read: a deadline against hangs, not a performance goal. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RespClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    this.out = socket.getOutputStream();
  }

  public static RespClient connect(String host, int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(host, port), (int) READ_TIMEOUT.toMillis());
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.setTcpNoDelay(true);
      return new RespClient(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** One command, its arguments as UTF-8; does not wait for the reply. */
  public RespClient send(String... args) throws IOException {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return send(bytes);
  }

  /** One command with binary arguments; does not wait for the reply. */
  public RespClient send(byte[]... args) throws IOException {
    out.write(encode(args));
    out.flush();
    return this;
  }

  /** The multibulk request for these arguments. */
  public static byte[] encode(byte[]... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (byte[] arg : args) {
      buf.writeBytes(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buf.writeBytes(arg);
      buf.writeBytes(new byte[] {'\r', '\n'});
    }
    return buf.toByteArray();
  }

  public RespClient sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Sends one command and reads its reply. */
  public Reply call(String... args) throws IOException {
    return send(args).read();
  }

  /** Reads exactly {@code n} bytes, as they come: for tests of exact replies. */
  public byte[] readExactly(int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new EOFException("connection closed after " + b.length + " of " + n + " bytes");
    }
    return b;
  }

  /** Reads one reply. */
  public Reply read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed before a reply");
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
        byte[] body = in.readNBytes(length);
        if (body.length < length || in.read() != '\r' || in.read() != '\n') {
          throw new EOFException("bulk reply cut short after " + body.length + " of " + length + " bytes");
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
          elements.add(read());
        }
        yield new Reply((char) type, null, elements);
      }
      default -> throw new IOException("not a RESP reply: type byte 0x" + Integer.toHexString(type));
    };
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed mid-line: " + line);
      }
      if (b == '\n' && prev == '\r') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      line.write(b);
      prev = b;
    }
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
        socket.setSoTimeout((int) Math.max(1, Math.min(READ_TIMEOUT.toMillis(), (end - System.nanoTime()) / 1_000_000)));
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
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      }
    }
  }

  /** Half-closes: the proxy sees the end of the stream, replies already sent can still be read. */
  public void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    socket.close();
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
