package dev.redisproxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the duration syntax of the configuration: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}
 * (any case), or plain seconds; at most {@link #MAX}, so that a lifetime added to a nanosecond clock never overflows.
 */
public final class Durations {

  /** The longest duration any variable takes: a year. */
  public static final Duration MAX = Duration.ofHours(8760);

  private static final Pattern SYNTAX = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

  private Durations() {
  }

  /** Returns the duration, or throws {@link IllegalArgumentException} with a message fit for a user. */
  public static Duration parse(String text) {
    Matcher m = SYNTAX.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (use a number of seconds, or 250ms, 30s, 5m, 1h)");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d = switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
    if (d.compareTo(MAX) > 0) {
      throw new IllegalArgumentException("'" + text + "' is longer than " + format(MAX) + " (a year)");
    }
    return d;
  }

  /** The shortest form that {@link #parse} reads back to the same duration, for logs. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
