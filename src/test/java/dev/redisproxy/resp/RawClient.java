package dev.redisproxy.resp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A plain TCP client for exact-bytes tests: write RESP bytes, read back exactly what comes. */
final class RawClient implements AutoCloseable {

  /** A guard against a hung test, not a timing assertion. */
  private static final int READ_TIMEOUT_MS = 20_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(READ_TIMEOUT_MS);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  RawClient send(String ascii) throws IOException {
    return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads exactly {@code n} bytes, failing if the connection ends first. */
  byte[] read(int n) throws IOException {
    byte[] buf = in.readNBytes(n);
    if (buf.length < n) {
      throw new IOException("connection ended after " + buf.length + " of " + n + " bytes: "
          + new String(buf, StandardCharsets.ISO_8859_1));
    }
    return buf;
  }

  /** Reads as many bytes as {@code expected} has, as text. */
  String readLike(String expected) throws IOException {
    return new String(read(expected.getBytes(StandardCharsets.ISO_8859_1).length), StandardCharsets.ISO_8859_1);
  }

  /** Reads one line without its CRLF, as text. */
  String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (line.length() < 2 || line.charAt(line.length() - 2) != '\r' || line.charAt(line.length() - 1) != '\n') {
      line.append((char) (read(1)[0] & 0xff));
    }
    return line.substring(0, line.length() - 2);
  }

  /** Bytes that can be read now without waiting. */
  int available() throws IOException {
    return in.available();
  }

  /** True if the server closed the connection: the next read finds the end of the stream. */
  boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
