package dev.redisproxy.http;

import dev.redisproxy.cache.Key;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns the part of a request path after {@code /get/} into a key: percent-escapes become the
 * bytes they name, everything else is taken byte for byte. So {@code hello%20world} is
 * {@code hello world}, {@code a/b} stays {@code a/b}, and {@code %FF} is the single byte 0xFF.
 *
 * <p>The HTTP decoder hands the request line over one character per octet (ISO-8859-1), so a
 * client that sends a UTF-8 key raw, unescaped, gets the same key as one that percent-encodes it:
 * characters up to U+00FF are those octets. A path with characters beyond U+00FF cannot come off
 * the wire; it is taken as text and encoded as UTF-8.
 */
final class KeyPath {

  private KeyPath() {
  }

  /** The key, or null if the text is empty or has a malformed percent-escape. */
  static Key decode(String raw, int from) {
    byte[] bytes = decodeBytes(raw, from);
    return bytes == null ? null : Key.wrap(bytes);
  }

  /** The key's bytes (a new array, for {@link Key#wrap}), or null as for {@link #decode}. */
  static byte[] decodeBytes(String raw, int from) {
    int len = raw.length() - from;
    if (len <= 0) {
      return null;
    }
    byte[] out = new byte[len];
    int n = 0;
    for (int i = from; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
        int lo = hi < 0 ? -1 : hex(raw.charAt(i + 2));
        if (lo < 0) {
          return null;
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c <= 0xFF) {
        out[n++] = (byte) c;
      } else {
        return decodeText(raw, from);
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** A path given as text (not from the wire): UTF-8 encoded, then percent-decoded. */
  private static byte[] decodeText(String raw, int from) {
    String latin1 = new String(raw.substring(from).getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    return decodeBytes(latin1, 0);
  }

  /** The value of a hex digit, or -1; ASCII digits only (Character.digit also takes other scripts' digits). */
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
