package dev.redisproxy.http;

import dev.redisproxy.cache.Key;
import java.nio.charset.StandardCharsets;

/**
 * Turns the part of a request path after {@code /get/} into a key: percent-escapes become the
 * bytes they name, everything else is taken as UTF-8. So {@code hello%20world} is
 * {@code hello world}, {@code a/b} stays {@code a/b}, and {@code %FF} is the single byte 0xFF.
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
    if (raw.indexOf('%', from) < 0) {
      return raw.substring(from).getBytes(StandardCharsets.UTF_8);
    }
    byte[] utf8 = raw.substring(from).getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[utf8.length];
    int n = 0;
    for (int i = 0; i < utf8.length; i++) {
      byte b = utf8[i];
      if (b == '%') {
        if (i + 2 >= utf8.length) {
          return null;
        }
        int hi = Character.digit(utf8[i + 1], 16);
        int lo = Character.digit(utf8[i + 2], 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        out[n++] = b;
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }
}
