package dev.redisproxy.config;

/** A configuration value that cannot be used; the message names the variable. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String variable, String problem) {
    super(variable + ": " + problem);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
