package dev.redisproxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Collects the replies of one connection that are ready to go, so that a pipelined read is
 * answered with one socket write. Framing bytes and small values are copied into a frame buffer;
 * a value longer than {@link #COPY_LIMIT} is linked in as it is (a slice of the cached buffer in a
 * composite), so large cached values are never copied by the proxy. Netty's
 * {@code CompositeByteBuf} and Vert.x's {@code BufferInternal} are the only ways to do that; the
 * buffers involved are unpooled heap buffers, so nothing needs releasing.
 *
 * <p>One instance per connection, used on its event loop only.
 */
final class RespWriter {

  /**
   * Values up to this many bytes are copied into the frame: cheaper than a composite component,
   * and the transport copies heap bytes into a direct buffer anyway.
   */
  static final int COPY_LIMIT = 256;
  private static final int FRAME_SIZE = 512;
  private static final byte[] CRLF = {'\r', '\n'};

  // Bytes not yet linked into `parts`; null until something is written.
  private Buffer frame;
  // Non-null once a large value was linked in: earlier frames and values, in order.
  private CompositeByteBuf parts;
  private int size;
  // Digits of a number being written, least significant last.
  private final byte[] digits = new byte[20];

  /** Bytes collected since the last {@link #take}. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Appends a reply that is already encoded. */
  void raw(Buffer encoded) {
    frame().appendBuffer(encoded);
    size += encoded.length();
  }

  void nil() {
    raw(RespEncoder.NIL);
  }

  void arrayHeader(int length) {
    header('*', length);
  }

  /** A bulk string holding {@code value}, which must not change until it has been written. */
  void bulk(Buffer value) {
    int length = value.length();
    header('$', length);
    if (length <= COPY_LIMIT) {
      frame.appendBuffer(value);
    } else {
      link(value);
    }
    frame.appendBytes(CRLF);
    size += length + 2;
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
      frame = Buffer.buffer(FRAME_SIZE);
    }
    return frame;
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
