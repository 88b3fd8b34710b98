package dev.redisproxy.cache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Redis key: arbitrary bytes, compared by content. Redis keys are binary, so a {@code String}
 * would corrupt keys that are not valid UTF-8. The array is never handed out or changed.
 */
public final class Key {

  private final byte[] bytes;
  // Cached because every lookup hashes the key at least once.
  private final int hash;

  private Key(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** Wraps the array without copying; the caller must not change it afterwards. */
  public static Key wrap(byte[] bytes) {
    return new Key(bytes);
  }

  public static Key of(String utf8) {
    return new Key(utf8.getBytes(StandardCharsets.UTF_8));
  }

  /** A copy of the key's bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  /** Whether the key's bytes begin with {@code prefix}'s, compared without copying them. */
  public boolean startsWith(byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The key as text for logs: UTF-8 with invalid bytes replaced, cut at 200 characters. */
  @Override
  public String toString() {
    String s = new String(bytes, StandardCharsets.UTF_8);
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
