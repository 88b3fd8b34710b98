package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * Incremental parser for RESP2 requests: multibulk ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}) and
 * inline ({@code GET k\r\n}). Bytes arrive in {@link #feed} in chunks split anywhere; {@link #next}
 * returns each complete command in order, or null when it needs more bytes.
 *
 * <p>Design: an explicit state machine (start of a request, bulk header, bulk body) that keeps the
 * request it is assembling, so a frame split across reads is never parsed twice. Bulk bytes are
 * copied into the argument as they arrive; only a partial line (at most {@link #MAX_INLINE_LENGTH}
 * bytes) is kept as unparsed input, and the search for its end resumes where it stopped. Pull
 * rather than push, so the connection can stop taking commands when its reply queue is full and
 * leave the rest buffered here.
 *
 * <p>Bad input throws {@link RespProtocolException} with Redis's wording; the parser is then
 * unusable, as the connection is about to close. Stricter than Redis in two ways: a bulk must be
 * followed by CRLF (Redis skips two bytes unchecked), and a line's length limit does not depend
 * on how the bytes were split into reads.
 */
public final class RespParser {

  /** Most arguments in one multibulk request, as Redis allows unauthenticated clients. */
  public static final int MAX_MULTIBULK_LENGTH = 1024 * 1024;
  /** Longest bulk argument. Arguments are keys and PING/ECHO text; Redis allows 512 MB. */
  public static final int MAX_BULK_LENGTH = 1024 * 1024;
  /** Longest inline request or header line, CRLF excluded; as Redis. */
  public static final int MAX_INLINE_LENGTH = 64 * 1024;
  /**
   * Most bytes one multibulk request may take on the wire. With the two limits above alone one
   * request could claim a terabyte; this bounds what one connection can make the proxy hold.
   */
  public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

  private static final byte[] EMPTY_ARG = new byte[0];
  private static final Buffer NO_INPUT = Buffer.buffer(0);
  /** Bulks up to this size get their whole array at once; bigger ones grow as bytes arrive. */
  private static final int EAGER_ALLOCATION = 64 * 1024;
  private static final int START = 0;
  private static final int BULK_HEADER = 1;
  private static final int BULK_BODY = 2;

  // Unparsed input is in[pos..]. Usually the last chunk read, used without a copy; when a partial
  // line is left over, an own buffer that later chunks are appended to.
  private Buffer in = NO_INPUT;
  private int pos;
  private boolean ownBuffer;
  // Where the search for the next LF resumes: bytes before it were already scanned.
  private int scanFrom;

  private int state = START;
  // The multibulk request being assembled.
  private byte[][] args;
  private int argc;
  private int expected;
  private long requestBytes;
  // The bulk being read: its declared length and the bytes received so far.
  private int bulkLength;
  private byte[] bulk;
  private int bulkFilled;

  /** Adds bytes read from the connection. The chunk may be kept; it must not change afterwards. */
  public void feed(Buffer chunk) {
    int left = in.length() - pos;
    if (left == 0) {
      scanFrom = 0;
      in = chunk;
      pos = 0;
      ownBuffer = false;
      return;
    }
    if (!ownBuffer || pos > 0) {
      Buffer own = Buffer.buffer(Math.max(256, 2 * (left + chunk.length())));
      own.appendBuffer(in, pos, left);
      scanFrom = Math.max(0, scanFrom - pos);
      in = own;
      pos = 0;
      ownBuffer = true;
    }
    in.appendBuffer(chunk);
  }

  /** Bytes fed but not yet returned as commands (excluding bulk bytes already copied out). */
  public int buffered() {
    return in.length() - pos;
  }

  /** True when bytes of a command have arrived and the command is not complete yet. */
  public boolean inCommand() {
    return state != START || pos < in.length();
  }

  /**
   * The next complete command, or null if more input is needed.
   *
   * @throws RespProtocolException if the input is not RESP or exceeds a limit
   */
  public RespCommand next() {
    while (true) {
      switch (state) {
        case START -> {
          if (pos >= in.length()) {
            return null;
          }
          if (in.getByte(pos) == '*') {
            if (!readMultibulkHeader()) {
              return null;
            }
          } else {
            byte[][] inline = readInline();
            if (inline == null) {
              return null;
            }
            if (inline.length > 0) {
              return new RespCommand(inline);
            }
          }
        }
        case BULK_HEADER -> {
          if (!readBulkHeader()) {
            return null;
          }
        }
        default -> {
          if (!readBulkBody()) {
            return null;
          }
          if (argc == expected) {
            return finishMultibulk();
          }
        }
      }
    }
  }

  /** Reads {@code *<count>\r\n}; false if the line is incomplete. An empty request is skipped. */
  private boolean readMultibulkHeader() {
    int lf = findLineEnd("too big mbulk count string");
    if (lf < 0) {
      return false;
    }
    long count = parseNumber(pos + 1, lf);
    if (count == Long.MIN_VALUE || count > MAX_MULTIBULK_LENGTH) {
      throw new RespProtocolException("invalid multibulk length");
    }
    requestBytes = lf + 1 - pos;
    pos = lf + 1;
    if (count <= 0) {
      // As Redis: "*0" and "*-1" are requests with nothing in them.
      return true;
    }
    expected = (int) count;
    args = new byte[Math.min(expected, 16)][];
    argc = 0;
    state = BULK_HEADER;
    return true;
  }

  /** Reads {@code $<length>\r\n}; false if incomplete. */
  private boolean readBulkHeader() {
    if (pos >= in.length()) {
      return false;
    }
    byte first = in.getByte(pos);
    if (first != '$') {
      throw new RespProtocolException("expected '$', got '" + printable(first) + "'");
    }
    int lf = findLineEnd("too big bulk count string");
    if (lf < 0) {
      return false;
    }
    long length = parseNumber(pos + 1, lf);
    if (length < 0 || length > MAX_BULK_LENGTH) {
      throw new RespProtocolException("invalid bulk length");
    }
    requestBytes += lf + 1 - pos + length + 2;
    if (requestBytes > MAX_REQUEST_BYTES) {
      throw new RespProtocolException("too big multibulk request");
    }
    pos = lf + 1;
    bulkLength = (int) length;
    bulk = bulkLength == 0 ? EMPTY_ARG : new byte[Math.min(bulkLength, EAGER_ALLOCATION)];
    bulkFilled = 0;
    state = BULK_BODY;
    return true;
  }

  /** Copies what has arrived of the bulk and its CRLF; true once the argument is complete. */
  private boolean readBulkBody() {
    int available = in.length() - pos;
    int wanted = bulkLength - bulkFilled;
    if (wanted > 0 && available > 0) {
      int n = Math.min(wanted, available);
      if (bulk.length < bulkFilled + n) {
        bulk = Arrays.copyOf(bulk, (int) Math.min(bulkLength, Math.max(bulkFilled + n, 2L * bulk.length)));
      }
      in.getBytes(pos, pos + n, bulk, bulkFilled);
      bulkFilled += n;
      pos += n;
      available -= n;
      wanted -= n;
    }
    if (wanted > 0 || available < 2) {
      return false;
    }
    if (in.getByte(pos) != '\r' || in.getByte(pos + 1) != '\n') {
      throw new RespProtocolException("expected CRLF after bulk string");
    }
    pos += 2;
    scanFrom = pos;
    if (argc == args.length) {
      args = Arrays.copyOf(args, Math.min(expected, 2 * args.length));
    }
    args[argc++] = bulk;
    bulk = null;
    state = BULK_HEADER;
    return true;
  }

  private RespCommand finishMultibulk() {
    RespCommand command = new RespCommand(args);
    args = null;
    state = START;
    return command;
  }

  /** The arguments of an inline request (possibly none, for a blank line), or null if incomplete. */
  private byte[][] readInline() {
    int lf = findLineEnd("too big inline request");
    if (lf < 0) {
      return null;
    }
    int end = lf > pos && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    byte[] line = in.getBytes(pos, end);
    pos = lf + 1;
    return InlineArgs.split(line);
  }

  /**
   * The index of the LF ending the line at {@link #pos}, or -1 if it has not arrived yet. A line
   * longer than {@link #MAX_INLINE_LENGTH} is an error whether or not its end has arrived.
   */
  private int findLineEnd(String tooLong) {
    int limit = in.length();
    int i = Math.max(scanFrom, pos);
    while (i < limit && in.getByte(i) != '\n') {
      i++;
    }
    scanFrom = i;
    // A CR just before the LF (or last, with the LF still to come) is not part of the line.
    int content = i - pos;
    if (content > 0 && in.getByte(i - 1) == '\r') {
      content--;
    }
    if (content > MAX_INLINE_LENGTH) {
      throw new RespProtocolException(tooLong);
    }
    return i < limit ? i : -1;
  }

  /**
   * The decimal number between {@code from} and the CRLF ending at {@code lf}, as Redis's
   * {@code string2ll} reads it (no sign but '-', no leading zeros, no spaces), or
   * {@link Long#MIN_VALUE} if it is not one.
   */
  private long parseNumber(int from, int lf) {
    int to = lf - 1;
    if (to < from || in.getByte(to) != '\r') {
      return Long.MIN_VALUE;
    }
    boolean negative = to - from > 1 && in.getByte(from) == '-';
    int i = negative ? from + 1 : from;
    int digits = to - i;
    if (digits == 0 || digits > 18 || (in.getByte(i) == '0' && (digits > 1 || negative))) {
      return Long.MIN_VALUE;
    }
    long value = 0;
    for (; i < to; i++) {
      byte b = in.getByte(i);
      if (b < '0' || b > '9') {
        return Long.MIN_VALUE;
      }
      value = value * 10 + (b - '0');
    }
    return negative ? -value : value;
  }

  private static String printable(byte b) {
    return b >= 0x20 && b < 0x7f ? Character.toString((char) b) : String.format("\\x%02x", b & 0xff);
  }
}
