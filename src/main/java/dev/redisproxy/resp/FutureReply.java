package dev.redisproxy.resp;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** A reply encoded once something else answers: INFO waiting for the cache's statistics. */
final class FutureReply extends PendingReply {

  private final Future<Buffer> encoded;

  /** {@code encoded} must not fail: a failure is an error reply it completes with. */
  FutureReply(Future<Buffer> encoded) {
    this.encoded = encoded;
  }

  @Override
  boolean ready() {
    return encoded.succeeded();
  }

  @Override
  void writeTo(RespWriter out) {
    out.raw(encoded.result());
  }

  @Override
  void whenReady(Runnable action) {
    encoded.onSuccess(bytes -> action.run());
  }
}
