package dev.redisproxy.e2e;

/** Percent-encoding of keys for request paths. */
final class PathEncoding {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private PathEncoding() {
  }

  /** Every byte outside RFC 3986's unreserved set becomes {@code %XX}. */
  static String encode(byte[] key) {
    StringBuilder out = new StringBuilder(key.length * 3);
    for (byte b : key) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }
}
