package dev.redisproxy.config;

import java.util.Locale;

/** How log lines are written: {@code LOG_FORMAT}. The name is the logback appender that gets used. */
public enum LogFormat {
  /** One human-readable line per event. */
  TEXT,
  /** One JSON object per line, for log shippers. */
  JSON;

  /** The value as written in the configuration and as the logback appender's name. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
