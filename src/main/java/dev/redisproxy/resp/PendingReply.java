package dev.redisproxy.resp;

/**
 * A command's reply in its connection's reply order. Replies leave strictly in request order, so
 * one that is ready waits behind an earlier one that is not (a GET still reading Redis).
 */
abstract class PendingReply {

  /** True once {@link #writeTo} can write the whole reply. */
  abstract boolean ready();

  abstract void writeTo(RespWriter out);

  /** Bytes of values this reply holds until it is written: what its lookups brought. */
  long heldBytes() {
    return 0;
  }

  /**
   * Runs {@code action} once this reply, not ready when queued, becomes ready by itself. Replies
   * that wait for cache lookups need not: the connection hears of those answers.
   */
  void whenReady(Runnable action) {
  }
}
