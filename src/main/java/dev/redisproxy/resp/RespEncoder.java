package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes RESP2 replies into a {@link Buffer}, for replies built whole before they are queued:
 * {@code RespEncoder.encoder().array(2).bulk("a").integer(1).toBuffer()}. The hot path (values
 * from the cache) goes through {@link RespWriter} instead, which does not copy large values.
 */
final class RespEncoder {

  // First: the constants below are encoded with it.
  private static final byte[] CRLF = {'\r', '\n'};

  static final Buffer OK = simpleString("OK");
  static final Buffer PONG = simpleString("PONG");
  static final Buffer NIL = Buffer.buffer("$-1\r\n");
  static final Buffer EMPTY_ARRAY = Buffer.buffer("*0\r\n");

  private final Buffer out = Buffer.buffer(64);

  private RespEncoder() {
  }

  static RespEncoder encoder() {
    return new RespEncoder();
  }

  static Buffer simpleString(String text) {
    return encoder().simple(text).toBuffer();
  }

  /** An error reply; {@code text} starts with the error code, e.g. {@code "ERR syntax error"}. */
  static Buffer error(String text) {
    return encoder().err(text).toBuffer();
  }

  static Buffer integer(long value) {
    return encoder().num(value).toBuffer();
  }

  static Buffer bulkString(byte[] value) {
    return encoder().bulk(value).toBuffer();
  }

  static Buffer bulkString(String value) {
    return encoder().bulk(value).toBuffer();
  }

  /** A status line; CR and LF, which would end it early, become spaces as Redis does. */
  RespEncoder simple(String text) {
    out.appendByte((byte) '+').appendBytes(line(text)).appendBytes(CRLF);
    return this;
  }

  RespEncoder err(String text) {
    out.appendByte((byte) '-').appendBytes(line(text)).appendBytes(CRLF);
    return this;
  }

  RespEncoder num(long value) {
    out.appendByte((byte) ':').appendString(Long.toString(value)).appendBytes(CRLF);
    return this;
  }

  RespEncoder bulk(byte[] value) {
    out.appendByte((byte) '$').appendString(Integer.toString(value.length)).appendBytes(CRLF)
        .appendBytes(value).appendBytes(CRLF);
    return this;
  }

  RespEncoder bulk(String value) {
    return bulk(value.getBytes(StandardCharsets.UTF_8));
  }

  RespEncoder nil() {
    out.appendBuffer(NIL);
    return this;
  }

  RespEncoder array(int length) {
    out.appendByte((byte) '*').appendString(Integer.toString(length)).appendBytes(CRLF);
    return this;
  }

  Buffer toBuffer() {
    return out;
  }

  private static byte[] line(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\r' || bytes[i] == '\n') {
        bytes[i] = ' ';
      }
    }
    return bytes;
  }
}
