package dev.redisproxy.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the size syntax of the configuration as Redis's {@code maxmemory} writes it: {@code 100b},
 * {@code 512kb}, {@code 64mb}, {@code 1gb} (any case, 1024-based) or a plain number of bytes.
 * Redis's 1000-based {@code k}, {@code m} and {@code g} are refused rather than read either way:
 * {@code 1k} would mean 1000 to Redis and 1024 to a reader of {@code 1kb}.
 */
public final class Sizes {

  private static final Pattern SYNTAX = Pattern.compile("(\\d{1,15})(b|kb|mb|gb)?");
  private static final String[] UNITS = {"gb", "mb", "kb"};
  private static final int[] SHIFTS = {30, 20, 10};

  private Sizes() {
  }

  /** Returns the number of bytes, or throws {@link IllegalArgumentException} with a message fit for a user. */
  public static long parse(String text) {
    Matcher m = SYNTAX.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (use a number of bytes, or 100b, 512kb, 64mb, 1gb)");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    int shift = switch (unit) {
      case "kb" -> 10;
      case "mb" -> 20;
      case "gb" -> 30;
      default -> 0;
    };
    if (amount > Long.MAX_VALUE >> shift) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return amount << shift;
  }

  /** The shortest form that {@link #parse} reads back to the same size, for logs. */
  public static String format(long bytes) {
    for (int i = 0; i < UNITS.length; i++) {
      long unit = 1L << SHIFTS[i];
      if (bytes > 0 && bytes % unit == 0) {
        return bytes / unit + UNITS[i];
      }
    }
    return bytes + "b";
  }
}
