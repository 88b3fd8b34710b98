package dev.redisproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.SocketFactory;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} hides or refuses: the
 * exact bytes on the wire, requests with malformed paths, one connection held open across
 * requests, and seeing the server close a connection.
 *
 * <p>The one raw HTTP client of every test layer (in-process tests and {@code e2e/}); TLS through
 * {@link #connect(SocketFactory, String, int)} with a factory from {@link TlsClients}.
 *
 * <p>Every read has a deadline ({@link #READ_TIMEOUT}), so a proxy that never answers fails the
 * test instead of hanging it.
 */
public final class RawHttp extends RawSocket<RawHttp> {

  /** Generous bound on any single read: a deadline against hangs, not a performance goal. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
  /** Longest status line or header line accepted from the server. */
  private static final int MAX_LINE = 16 * 1024;

  private RawHttp(SocketFactory factory, String host, int port) throws IOException {
    super(factory, host, port, READ_TIMEOUT);
  }

  @Override
  RawHttp self() {
    return this;
  }

  public static RawHttp connect(String host, int port) throws IOException {
    return connect(SocketFactory.getDefault(), host, port);
  }

  /** A connection made by {@code factory}: an {@code SSLSocketFactory} for HTTPS. */
  public static RawHttp connect(SocketFactory factory, String host, int port) throws IOException {
    return new RawHttp(factory, host, port);
  }

  /** A keep-alive request with no body; {@code rawPath} goes on the wire exactly as given. */
  public static String request(String method, String rawPath) {
    return method + " " + rawPath + " HTTP/1.1\r\nHost: e2e\r\n\r\n";
  }

  public RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads one response to a request other than HEAD. */
  public Response read() throws IOException {
    return read(false);
  }

  /** Reads one response to a HEAD request: headers only, whatever Content-Length says. */
  public Response readHead() throws IOException {
    return read(true);
  }

  private Response read(boolean head) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header line: " + line);
      }
      headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    Response response = new Response(status, statusLine, headers, new byte[0]);
    if (head || status / 100 == 1 || status == 204 || status == 304) {
      return response;
    }
    return response.withBody(body(response));
  }

  private byte[] body(Response r) throws IOException {
    String length = r.header("content-length");
    if (length != null) {
      return readExactly(Integer.parseInt(length));
    }
    if ("chunked".equalsIgnoreCase(r.header("transfer-encoding"))) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
           size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
        body.write(readExactly(size));
        line();
      }
      for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
        // trailers are not used by the proxy; skip them
      }
      return body.toByteArray();
    }
    return in.readAllBytes(); // delimited by the server closing the connection
  }

  /** readNBytes returns short at end of stream; a truncated body is an error here. */
  private byte[] readExactly(int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    if (bytes.length < n) {
      throw new EOFException("connection closed after " + bytes.length + " of " + n + " body bytes");
    }
    return bytes;
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed" + (line.size() > 0 ? " mid-line: " + line : ""));
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
  }

  /**
   * Waits (up to {@link #READ_TIMEOUT}) for the server to close the connection, discarding
   * anything it sends first.
   *
   * @return true if the server closed it (end of stream or reset), false if it is still open
   */
  public boolean awaitClosed() throws IOException {
    return awaitClosed(READ_TIMEOUT);
  }

  /**
   * One response.
   *
   * @param headers by lower-case name, values in arrival order
   */
  public record Response(int status, String statusLine, Map<String, List<String>> headers, byte[] body) {

    /** The first value of the header, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    Response withBody(byte[] newBody) {
      return new Response(status, statusLine, headers, newBody);
    }

    @Override
    public String toString() {
      return statusLine + " " + headers + " (" + body.length + " body bytes)";
    }
  }
}
