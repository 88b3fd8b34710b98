package dev.redisproxy.redis;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** The RESP requests {@link TrackingConnection} writes, encoded as Redis reads them: arrays of bulk strings. */
final class RespRequests {

  private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GETRANGE = "GETRANGE".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PTTL = "PTTL".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STRLEN = "STRLEN".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ZERO = {'0'};
  private static final byte[] CRLF = {'\r', '\n'};

  private RespRequests() {
  }

  /** {@code GETRANGE key 0 last} ({@code GET key} when {@code last} is negative), then {@code PTTL key}: one buffer. */
  static Buffer valueAndTtl(byte[] key, long last) {
    Buffer request = Buffer.buffer(64 + 2 * key.length);
    if (last < 0) {
      command(request, GET, key);
    } else {
      command(request, GETRANGE, key, ZERO, Long.toString(last).getBytes(StandardCharsets.US_ASCII));
    }
    return command(request, PTTL, key);
  }

  /** {@code STRLEN key}. */
  static Buffer strlen(byte[] key) {
    return command(Buffer.buffer(32 + key.length), STRLEN, key);
  }

  /** A command of text and number arguments (the set-up's and the operator's commands). */
  static Buffer text(Object... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
    }
    return command(Buffer.buffer(), bytes);
  }

  private static Buffer command(Buffer out, byte[]... args) {
    out.appendString("*" + args.length + "\r\n");
    for (byte[] arg : args) {
      out.appendString("$" + arg.length + "\r\n").appendBytes(arg).appendBytes(CRLF);
    }
    return out;
  }
}
