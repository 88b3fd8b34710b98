package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;

/** A reply encoded whole: known at once (PING behind a pending GET) or later (INFO's statistics). */
final class EncodedReply extends PendingReply {

  private Buffer bytes;

  /** A reply known now, or with null one to be {@link #complete completed} later. */
  EncodedReply(Buffer bytes) {
    this.bytes = bytes;
  }

  void complete(Buffer encoded) {
    this.bytes = encoded;
  }

  @Override
  boolean ready() {
    return bytes != null;
  }

  @Override
  void writeTo(RespWriter out) {
    out.raw(bytes);
  }
}
