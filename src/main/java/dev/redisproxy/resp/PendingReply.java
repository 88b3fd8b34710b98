package dev.redisproxy.resp;

/**
 * A command's place in its connection's reply order. Replies leave strictly in request order, so
 * one that is ready waits behind an earlier one that is not (a GET still reading Redis).
 */
abstract class PendingReply {

  /** True once {@link #writeTo} can write the whole reply. */
  abstract boolean ready();

  abstract void writeTo(RespWriter out);
}
