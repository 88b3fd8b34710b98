package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;

/**
 * Replies that are the same bytes in RESP2 and RESP3 (status lines, errors, integers, bulk
 * strings), encoded once by {@link RespWriter}: constants such as {@link #OK}, and one-shot
 * encodings for replies built before they are queued.
 */
final class RespEncoder {

  static final Buffer OK = simpleString("OK");
  static final Buffer PONG = simpleString("PONG");

  private RespEncoder() {
  }

  static Buffer simpleString(String text) {
    return RespWriter.reply(Protocol.RESP2).simple(text).take();
  }

  /** An error reply; {@code text} starts with the error code, e.g. {@code "ERR syntax error"}. */
  static Buffer error(String text) {
    return RespWriter.reply(Protocol.RESP2).error(text).take();
  }

  static Buffer integer(long value) {
    return RespWriter.reply(Protocol.RESP2).integer(value).take();
  }

  static Buffer bulkString(byte[] value) {
    return RespWriter.reply(Protocol.RESP2).bulk(value).take();
  }

  static Buffer bulkString(String value) {
    return RespWriter.reply(Protocol.RESP2).bulk(value).take();
  }
}
