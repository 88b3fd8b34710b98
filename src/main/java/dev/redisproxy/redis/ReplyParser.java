package dev.redisproxy.redis;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An incremental parser of the RESP3 frames Redis sends on the {@link TrackingConnection}: fed the
 * socket's buffers as they come, it hands every complete frame to the sink, in the order Redis wrote
 * them. An incomplete frame is parsed again from its first byte once more bytes arrive (mark and roll
 * back, as vertx-redis-client's {@code RESPParser}); a bulk value is copied out once, when complete.
 *
 * <p>Frames: {@code null} (RESP3 null, nil bulk, nil array), {@link Buffer} (bulk and verbatim
 * strings), {@link String} (simple strings, doubles, big numbers), {@link Long}, {@link Boolean},
 * {@link ErrorReply} (simple and bulk errors), {@code List<Object>} (arrays, sets, and maps as
 * key, value, key, value...) and {@link Push}. Attributes are read and dropped.
 */
final class ReplyParser implements Handler<Buffer> {

  /** An out-of-band frame ({@code >}): Redis sends invalidations as {@code >2 invalidate [keys]}. */
  record Push(List<Object> items) {
  }

  /** An error reply, e.g. {@code -WRONGTYPE ...}: an answer, not a broken connection. */
  record ErrorReply(String message) {
  }

  /** The stream is not RESP3: the connection cannot be trusted any more. */
  static final class ProtocolError extends RuntimeException {
    ProtocolError(String message) {
      super(message, null, false, false);
    }
  }

  /** Redis's own limit on a bulk string (proto-max-bulk-len's default). */
  static final long MAX_BULK = 512L * 1024 * 1024;
  /** Elements in one aggregate; Redis sends far fewer to a connection that only reads. */
  static final long MAX_AGGREGATE = 1L << 24;
  /** Aggregates inside aggregates: replies to GET, PING and HELLO nest two deep. */
  static final int MAX_DEPTH = 16;
  /** A type line (length, number, simple string, error) longer than this is not Redis talking. */
  static final int MAX_LINE = 64 * 1024;

  private static final Object INCOMPLETE = new Object();

  private final Consumer<Object> sink;
  // Bytes received and not yet handed out as frames, from pos on.
  private Buffer buf = Buffer.buffer();
  private int pos;
  // Set by stop(): the sink closed the connection, so frames still buffered are not handed out.
  private boolean stopped;

  ReplyParser(Consumer<Object> sink) {
    this.sink = sink;
  }

  /** Hands out no more frames, e.g. once the connection is closed. */
  void stop() {
    stopped = true;
  }

  @Override
  public void handle(Buffer chunk) {
    if (pos == buf.length()) {
      buf = chunk;
    } else {
      if (pos > 0) {
        buf = buf.getBuffer(pos, buf.length());
      }
      buf.appendBuffer(chunk);
    }
    pos = 0;
    while (!stopped && pos < buf.length()) {
      int start = pos;
      Object frame = frame(0);
      if (frame == INCOMPLETE) {
        pos = start;
        return;
      }
      sink.accept(frame);
    }
  }

  private Object frame(int depth) {
    if (pos >= buf.length()) {
      return INCOMPLETE;
    }
    byte type = buf.getByte(pos);
    int eol = lineEnd(pos + 1);
    if (eol < 0) {
      return INCOMPLETE;
    }
    int line = pos + 1;
    pos = eol + 2;
    return switch (type) {
      case '+', ',', '(' -> text(line, eol);
      case '-' -> new ErrorReply(text(line, eol));
      case ':' -> number(line, eol);
      case '#' -> bool(line, eol);
      case '_' -> null;
      case '$', '=', '!' -> bulk(type, number(line, eol));
      case '*', '~', '%', '>', '|' -> aggregate(type, number(line, eol), depth);
      default -> throw new ProtocolError("unknown RESP type byte 0x" + Integer.toHexString(type & 0xFF));
    };
  }

  private Object bulk(byte type, long length) {
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > MAX_BULK) {
      throw new ProtocolError("bulk length " + length + " out of range");
    }
    int end = pos + (int) length;
    if (end + 2 > buf.length()) {
      return INCOMPLETE;
    }
    if (buf.getByte(end) != '\r' || buf.getByte(end + 1) != '\n') {
      throw new ProtocolError("bulk string not followed by CRLF");
    }
    int start = pos;
    pos = end + 2;
    return switch (type) {
      case '!' -> new ErrorReply(buf.getString(start, end, StandardCharsets.UTF_8.name()));
      // Verbatim strings start with a three-letter format and a colon ("txt:").
      case '=' -> buf.getBuffer(Math.min(end, start + 4), end);
      default -> buf.getBuffer(start, end);
    };
  }

  private Object aggregate(byte type, long count, int depth) {
    if (count == -1) {
      return null;
    }
    if (count < 0 || count > MAX_AGGREGATE) {
      throw new ProtocolError("aggregate length " + count + " out of range");
    }
    if (depth >= MAX_DEPTH) {
      throw new ProtocolError("aggregates nested deeper than " + MAX_DEPTH);
    }
    long elements = type == '%' || type == '|' ? count * 2 : count;
    List<Object> items = new ArrayList<>((int) Math.min(elements, 64));
    for (long i = 0; i < elements; i++) {
      Object item = frame(depth + 1);
      if (item == INCOMPLETE) {
        return INCOMPLETE;
      }
      items.add(item);
    }
    if (type == '|') {
      // Attributes describe the frame that follows them; nothing here needs them.
      return frame(depth);
    }
    return type == '>' ? new Push(items) : items;
  }

  /** The index of the CR of the CRLF that ends the line starting at {@code from}, or -1 if not here yet. */
  private int lineEnd(int from) {
    int limit = Math.min(buf.length() - 1, from + MAX_LINE);
    for (int i = from; i < limit; i++) {
      if (buf.getByte(i) == '\r') {
        if (buf.getByte(i + 1) != '\n') {
          throw new ProtocolError("CR not followed by LF");
        }
        return i;
      }
    }
    if (buf.length() - from > MAX_LINE) {
      throw new ProtocolError("line longer than " + MAX_LINE + " bytes");
    }
    return -1;
  }

  private String text(int from, int to) {
    return buf.getString(from, to, StandardCharsets.UTF_8.name());
  }

  private long number(int from, int to) {
    boolean negative = from < to && buf.getByte(from) == '-';
    int i = negative ? from + 1 : from;
    if (i == to || to - i > 18) {
      throw new ProtocolError("'" + text(from, to) + "' is not a length or integer");
    }
    long n = 0;
    for (; i < to; i++) {
      byte b = buf.getByte(i);
      if (b < '0' || b > '9') {
        throw new ProtocolError("'" + text(from, to) + "' is not a length or integer");
      }
      n = n * 10 + (b - '0');
    }
    return negative ? -n : n;
  }

  private Boolean bool(int from, int to) {
    if (to - from == 1 && (buf.getByte(from) == 't' || buf.getByte(from) == 'f')) {
      return buf.getByte(from) == 't';
    }
    throw new ProtocolError("'" + text(from, to) + "' is not a boolean");
  }
}
