package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;

/** A reply encoded whole when its command ran: PING, HELLO, an error, COMMAND. */
final class EncodedReply extends PendingReply {

  private final Buffer bytes;

  private EncodedReply(Buffer bytes) {
    this.bytes = bytes;
  }

  static EncodedReply of(Buffer bytes) {
    return new EncodedReply(bytes);
  }

  @Override
  boolean ready() {
    return true;
  }

  @Override
  void writeTo(RespWriter out) {
    out.raw(bytes);
  }
}
