package dev.redisproxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;

/**
 * The RESP encoder: every byte the proxy sends is written here, in RESP2 or RESP3. Where the two
 * differ ({@link #nil}, {@link #mapHeader}, {@link #setHeader}, {@link #verbatim}) the writer's
 * {@link Protocol} decides; RESP2 gets what Redis sends a RESP2 client (a map as a flat array of
 * pairs, a set as an array, a verbatim string as a bulk string).
 *
 * <p>Used two ways: a connection's writer collects the replies that are ready to go, so that a
 * pipelined read is answered with one socket write; and a reply built whole before it is queued
 * (HELLO, COMMAND, INFO) is written into a writer of its own and {@link #take taken} as a buffer.
 * Framing bytes and small values are copied into a frame buffer; a value longer than
 * {@link #COPY_LIMIT} is linked in as it is (a slice of the cached buffer in a composite), so large
 * cached values are never copied by the proxy. Netty's {@code CompositeByteBuf} and Vert.x's
 * {@code BufferInternal} are the only ways to do that; the buffers involved are unpooled heap
 * buffers, so nothing needs releasing.
 *
 * <p>One instance per connection (or per reply), used on one event loop only.
 */
final class RespWriter {

  /**
   * Values up to this many bytes are copied into the frame: cheaper than a composite component,
   * and the transport copies heap bytes into a direct buffer anyway.
   */
  static final int COPY_LIMIT = 256;
  private static final int FRAME_SIZE = 512;
  /** The first frame of a reply built alone: most are a line or two. */
  private static final int REPLY_FRAME_SIZE = 64;
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] NIL2 = {'$', '-', '1', '\r', '\n'};
  private static final byte[] NULL3 = {'_', '\r', '\n'};
  /** The format of every verbatim string the proxy sends: plain text. */
  private static final byte[] TXT = {'t', 'x', 't', ':'};

  private Protocol protocol;
  private final int frameSize;
  // Bytes not yet linked into `parts`; null until something is written.
  private Buffer frame;
  // Non-null once a large value was linked in: earlier frames and values, in order.
  private CompositeByteBuf parts;
  private int size;
  // Digits of a number being written, least significant last.
  private final byte[] digits = new byte[20];

  /** A RESP2 writer for a connection's batches. */
  RespWriter() {
    this(Protocol.RESP2, FRAME_SIZE);
  }

  private RespWriter(Protocol protocol, int frameSize) {
    this.protocol = protocol;
    this.frameSize = frameSize;
  }

  /** A writer for one reply built whole, in {@code protocol}. */
  static RespWriter reply(Protocol protocol) {
    return new RespWriter(protocol, REPLY_FRAME_SIZE);
  }

  /** The protocol of what is written from now on. */
  RespWriter protocol(Protocol protocol) {
    this.protocol = protocol;
    return this;
  }

  /** Bytes collected since the last {@link #take}. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Appends a reply that is already encoded. */
  RespWriter raw(Buffer encoded) {
    frame().appendBuffer(encoded);
    size += encoded.length();
    return this;
  }

  /** A status line; CR and LF, which would end it early, become spaces as Redis does. */
  RespWriter simple(String text) {
    return line('+', text);
  }

  /** An error reply; {@code text} starts with the error code, e.g. {@code "ERR syntax error"}. */
  RespWriter error(String text) {
    return line('-', text);
  }

  RespWriter integer(long value) {
    if (value < 0) {
      return line(':', Long.toString(value));
    }
    header(':', value);
    return this;
  }

  /** RESP2's nil bulk string, RESP3's null. */
  RespWriter nil() {
    return bytes(protocol == Protocol.RESP3 ? NULL3 : NIL2);
  }

  RespWriter arrayHeader(int length) {
    header('*', length);
    return this;
  }

  /** A map of {@code pairs} key-value pairs follows; in RESP2 a flat array of twice as many. */
  RespWriter mapHeader(int pairs) {
    if (protocol == Protocol.RESP3) {
      header('%', pairs);
    } else {
      header('*', 2L * pairs);
    }
    return this;
  }

  /** A set of {@code length} elements follows; in RESP2 an array. */
  RespWriter setHeader(int length) {
    header(protocol == Protocol.RESP3 ? '~' : '*', length);
    return this;
  }

  /** Text for a human (INFO): RESP3's verbatim string of format {@code txt}, RESP2's bulk string. */
  RespWriter verbatim(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (protocol != Protocol.RESP3) {
      return bulk(bytes);
    }
    header('=', TXT.length + bytes.length);
    bytes(TXT);
    bytes(bytes);
    return bytes(CRLF);
  }

  /** A bulk string holding {@code value}, which must not change until it has been written. */
  RespWriter bulk(Buffer value) {
    int length = value.length();
    header('$', length);
    if (length <= COPY_LIMIT) {
      frame.appendBuffer(value);
    } else {
      link(value);
    }
    frame.appendBytes(CRLF);
    size += length + 2;
    return this;
  }

  RespWriter bulk(byte[] value) {
    header('$', value.length);
    bytes(value);
    return bytes(CRLF);
  }

  RespWriter bulk(String value) {
    return bulk(value.getBytes(StandardCharsets.UTF_8));
  }

  /** Everything collected, as one buffer to write; null when nothing was. Starts a new batch. */
  Buffer take() {
    if (size == 0) {
      return null;
    }
    Buffer out;
    if (parts == null) {
      out = frame;
    } else {
      if (frame.length() > 0) {
        parts.addComponent(true, byteBuf(frame));
      }
      out = BufferInternal.buffer(parts);
    }
    frame = null;
    parts = null;
    size = 0;
    return out;
  }

  private Buffer frame() {
    if (frame == null) {
      frame = Buffer.buffer(frameSize);
    }
    return frame;
  }

  private RespWriter bytes(byte[] bytes) {
    frame().appendBytes(bytes);
    size += bytes.length;
    return this;
  }

  private RespWriter line(char type, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\r' || bytes[i] == '\n') {
        bytes[i] = ' ';
      }
    }
    frame().appendByte((byte) type);
    size++;
    bytes(bytes);
    return bytes(CRLF);
  }

  /** Writes {@code type}, a non-negative number in ASCII and CRLF, without allocating. */
  private void header(char type, long value) {
    int i = digits.length;
    long v = value;
    do {
      digits[--i] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v > 0);
    frame().appendByte((byte) type).appendBytes(digits, i, digits.length - i).appendBytes(CRLF);
    size += 1 + digits.length - i + 2;
  }

  /** Closes the current frame and appends {@code value} after it without copying. */
  private void link(Buffer value) {
    if (parts == null) {
      parts = Unpooled.compositeBuffer(Integer.MAX_VALUE);
    }
    parts.addComponent(true, byteBuf(frame));
    parts.addComponent(true, byteBuf(value));
    frame = Buffer.buffer(FRAME_SIZE);
  }

  private static ByteBuf byteBuf(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf();
  }
}
