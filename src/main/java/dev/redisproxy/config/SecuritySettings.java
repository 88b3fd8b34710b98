package dev.redisproxy.config;

import static dev.redisproxy.config.Variable.KEY_PATTERNS;
import static dev.redisproxy.config.Variable.PROXY_PASSWORD;
import static dev.redisproxy.config.Variable.PROXY_PASSWORD_FILE;
import static dev.redisproxy.config.Variable.PROXY_TLS_CERT;
import static dev.redisproxy.config.Variable.PROXY_TLS_CLIENT_CA;
import static dev.redisproxy.config.Variable.PROXY_TLS_KEY;

import dev.redisproxy.security.KeyPatterns;
import dev.redisproxy.security.Password;
import dev.redisproxy.security.SecurityConfig;
import java.nio.file.Path;

/** Reads {@code PROXY_PASSWORD(_FILE)}, {@code PROXY_TLS_*} and {@code KEY_PATTERNS} into a {@link SecurityConfig}. */
final class SecuritySettings {

  private SecuritySettings() {
  }

  /** Throws {@link ConfigException} naming a bad variable; error messages never quote a password. */
  static SecurityConfig read(Settings s) {
    if (s.isSet(PROXY_TLS_CERT) != s.isSet(PROXY_TLS_KEY)) {
      throw new ConfigException(s.isSet(PROXY_TLS_CERT) ? "PROXY_TLS_KEY" : "PROXY_TLS_CERT",
          "PROXY_TLS_CERT and PROXY_TLS_KEY go together: set both or neither");
    }
    if (s.isSet(PROXY_TLS_CLIENT_CA) && !s.isSet(PROXY_TLS_CERT)) {
      throw new ConfigException("PROXY_TLS_CLIENT_CA", "needs TLS on: set PROXY_TLS_CERT and PROXY_TLS_KEY too");
    }
    Path cert = s.pem(PROXY_TLS_CERT, Pem.CERTIFICATE);
    Path key = s.pem(PROXY_TLS_KEY, Pem.PRIVATE_KEY);
    Path clientCa = s.pem(PROXY_TLS_CLIENT_CA, Pem.CERTIFICATE);
    String patterns = s.text(KEY_PATTERNS);
    KeyPatterns keyPatterns;
    try {
      keyPatterns = patterns.isEmpty() ? null : KeyPatterns.parse(patterns);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("KEY_PATTERNS", e.getMessage());
    }
    return new SecurityConfig(password(s), cert, key, clientCa, keyPatterns);
  }

  /**
   * PROXY_PASSWORD, or the contents of PROXY_PASSWORD_FILE without trailing line breaks (as
   * {@code echo} and Docker or Kubernetes secrets leave it).
   */
  private static Password password(Settings s) {
    String inline = s.secret(PROXY_PASSWORD);
    if (inline != null && s.isSet(PROXY_PASSWORD_FILE)) {
      throw new ConfigException("PROXY_PASSWORD_FILE", "set PROXY_PASSWORD or PROXY_PASSWORD_FILE, not both");
    }
    Settings.TextFile file = s.file(PROXY_PASSWORD_FILE);
    if (file == null) {
      if (inline != null && inline.isBlank()) {
        throw new ConfigException("PROXY_PASSWORD", "is only white space");
      }
      return inline == null ? null : Password.of(inline);
    }
    String secret = file.text().replaceFirst("(\r?\n)+$", "");
    if (secret.isBlank()) {
      throw new ConfigException("PROXY_PASSWORD_FILE", file.path() + " is empty");
    }
    return Password.of(secret);
  }
}
