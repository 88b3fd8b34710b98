package dev.redisproxy.resp;

import java.nio.charset.StandardCharsets;

/**
 * One parsed request: the command name and its arguments as raw bytes, exactly as the client
 * sent them. Arrays are never changed after parsing, so a key can be wrapped without a copy.
 */
public final class RespCommand {

  private final byte[][] args;

  RespCommand(byte[][] args) {
    this.args = args;
  }

  /** Arguments including the command name; at least 1. */
  public int argc() {
    return args.length;
  }

  /** Argument {@code i}, 0 being the command name. Not to be modified. */
  public byte[] arg(int i) {
    return args[i];
  }

  /** Argument {@code i} as text, for names and options (invalid UTF-8 is replaced). */
  public String text(int i) {
    return new String(args[i], StandardCharsets.UTF_8);
  }

  /** Argument {@code i} lower-cased, for matching command names and options case-insensitively. */
  public String lower(int i) {
    byte[] a = args[i];
    char[] c = new char[a.length];
    for (int j = 0; j < a.length; j++) {
      int b = a[j] & 0xff;
      c[j] = (char) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
    }
    return new String(c);
  }

  /** The command name lower-cased. */
  public String name() {
    return lower(0);
  }
}
