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
 * {@code CompositeByteBuf} and Vert.x's {@code BufferInternal} are the only ways to do that.
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

  // Bytes not yet linked into `parts`; null until something is written.
  private ByteBuf frame;
  // Non-null once a large value was linked in: earlier frames and values, in order.
  private CompositeByteBuf parts;
  private int size;

  /** Bytes collected since the last {@link #take}. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Appends a reply that is already encoded. */
  void raw(Buffer encoded) {
    frame().writeBytes(byteBuf(encoded));
    size += encoded.length();
  }

  void nil() {
    raw(RespEncoder.NIL);
  }

  void arrayHeader(int length) {
    ByteBuf f = frame();
    int start = f.writerIndex();
    f.writeByte('*');
    writeDecimal(f, length);
    f.writeByte('\r').writeByte('\n');
    size += f.writerIndex() - start;
  }

  /** A bulk string holding {@code value}, which must not change until it has been written. */
  void bulk(Buffer value) {
    int length = value.length();
    ByteBuf f = frame();
    int start = f.writerIndex();
    f.writeByte('$');
    writeDecimal(f, length);
    f.writeByte('\r').writeByte('\n');
    size += f.writerIndex() - start + length + 2;
    if (length <= COPY_LIMIT) {
      f.writeBytes(byteBuf(value));
    } else {
      link(byteBuf(value));
      f = frame;
    }
    f.writeByte('\r').writeByte('\n');
  }

  /** Everything collected, as one buffer to write; null when nothing was. Starts a new batch. */
  Buffer take() {
    if (size == 0) {
      return null;
    }
    ByteBuf out;
    if (parts == null) {
      out = frame;
    } else {
      if (frame != null && frame.isReadable()) {
        parts.addComponent(true, frame);
      }
      out = parts;
    }
    frame = null;
    parts = null;
    size = 0;
    return BufferInternal.buffer(out);
  }

  private ByteBuf frame() {
    if (frame == null) {
      frame = Unpooled.buffer(FRAME_SIZE);
    }
    return frame;
  }

  /** Closes the current frame and appends {@code value} after it without copying. */
  private void link(ByteBuf value) {
    if (parts == null) {
      parts = Unpooled.compositeBuffer(Integer.MAX_VALUE);
    }
    parts.addComponent(true, frame);
    parts.addComponent(true, value);
    frame = Unpooled.buffer(FRAME_SIZE);
  }

  private static ByteBuf byteBuf(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf();
  }

  /** Writes a non-negative number in ASCII without allocating. */
  static void writeDecimal(ByteBuf out, long value) {
    int digits = 1;
    for (long v = value; v >= 10; v /= 10) {
      digits++;
    }
    out.ensureWritable(digits);
    int end = out.writerIndex() + digits;
    long v = value;
    for (int i = end - 1; i >= out.writerIndex(); i--) {
      out.setByte(i, (int) ('0' + v % 10));
      v /= 10;
    }
    out.writerIndex(end);
  }
}
