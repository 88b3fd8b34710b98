package dev.redisproxy.config;

import dev.redisproxy.security.KeyPatterns;
import dev.redisproxy.security.Password;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Who may use the proxy, and over what: the client password, TLS on both listeners, and the
 * keys clients may read. Each part is off by default, and off means the proxy behaves as if it
 * did not exist. Built and checked by {@link #from}; holds no password in clear (see
 * {@link Password}), so printing the configuration shows none.
 *
 * @param password    what clients must present ({@code PROXY_PASSWORD} or {@code PROXY_PASSWORD_FILE}); null: no authentication
 * @param tlsCert     PEM certificate chain of both listeners ({@code PROXY_TLS_CERT}); null: plain TCP
 * @param tlsKey      PEM private key of {@code tlsCert} ({@code PROXY_TLS_KEY}); null when TLS is off
 * @param tlsClientCa PEM CA certificates that client certificates must chain to ({@code PROXY_TLS_CLIENT_CA});
 *                    null: no client certificate asked for
 * @param keyPatterns the keys clients may read ({@code KEY_PATTERNS}); null: every key
 */
public record SecurityConfig(Password password, Path tlsCert, Path tlsKey, Path tlsClientCa, KeyPatterns keyPatterns) {

  /** Every part off, as when none of the variables is set. */
  public static final SecurityConfig NONE = new SecurityConfig(null, null, null, null, null);

  /** Reads the six variables from the merged configuration values; throws {@link ConfigException} naming a bad one. */
  static SecurityConfig from(Map<String, String> v) {
    Path cert = optionalPath(v, "PROXY_TLS_CERT");
    Path key = optionalPath(v, "PROXY_TLS_KEY");
    Path clientCa = optionalPath(v, "PROXY_TLS_CLIENT_CA");
    if ((cert == null) != (key == null)) {
      throw new ConfigException(cert == null ? "PROXY_TLS_CERT" : "PROXY_TLS_KEY",
          "PROXY_TLS_CERT and PROXY_TLS_KEY go together: set both or neither");
    }
    if (clientCa != null && cert == null) {
      throw new ConfigException("PROXY_TLS_CLIENT_CA", "needs TLS on: set PROXY_TLS_CERT and PROXY_TLS_KEY too");
    }
    if (cert != null) {
      requirePem("PROXY_TLS_CERT", cert, "CERTIFICATE-----");
      requirePem("PROXY_TLS_KEY", key, "PRIVATE KEY-----");
    }
    if (clientCa != null) {
      requirePem("PROXY_TLS_CLIENT_CA", clientCa, "CERTIFICATE-----");
    }
    String patterns = v.get("KEY_PATTERNS").trim();
    KeyPatterns keyPatterns;
    try {
      keyPatterns = patterns.isEmpty() ? null : KeyPatterns.parse(patterns);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("KEY_PATTERNS", e.getMessage());
    }
    return new SecurityConfig(password(v), cert, key, clientCa, keyPatterns);
  }

  /** True when clients must authenticate. */
  public boolean authRequired() {
    return password != null;
  }

  /** True when both listeners speak TLS only. */
  public boolean tls() {
    return tlsCert != null;
  }

  /** Adds the effective settings, without secrets, to the start-up log line's map. */
  void describe(Map<String, String> out) {
    out.put("PROXY_PASSWORD", password == null ? "none" : "set");
    out.put("TLS", tlsCert == null ? "off" : tlsClientCa == null ? "on" : "on, client certificate required");
    out.put("KEY_PATTERNS", keyPatterns == null ? "all keys" : keyPatterns.toString());
  }

  /**
   * PROXY_PASSWORD, or the contents of PROXY_PASSWORD_FILE without trailing line breaks (as
   * {@code echo} and Docker or Kubernetes secrets leave it). Error messages never quote a password.
   */
  private static Password password(Map<String, String> v) {
    String inline = v.get("PROXY_PASSWORD");
    Path file = optionalPath(v, "PROXY_PASSWORD_FILE");
    if (!inline.isEmpty() && file != null) {
      throw new ConfigException("PROXY_PASSWORD_FILE", "set PROXY_PASSWORD or PROXY_PASSWORD_FILE, not both");
    }
    if (file == null) {
      if (!inline.isEmpty() && inline.isBlank()) {
        throw new ConfigException("PROXY_PASSWORD", "is only white space");
      }
      return inline.isEmpty() ? null : Password.of(inline);
    }
    String secret = read("PROXY_PASSWORD_FILE", file).replaceFirst("(\r?\n)+$", "");
    if (secret.isBlank()) {
      throw new ConfigException("PROXY_PASSWORD_FILE", file + " is empty");
    }
    return Password.of(secret);
  }

  private static Path optionalPath(Map<String, String> v, String name) {
    String text = v.get(name).trim();
    return text.isEmpty() ? null : Path.of(text);
  }

  private static void requirePem(String name, Path file, String marker) {
    String text = read(name, file);
    if (!text.contains("-----BEGIN ") || !text.contains(marker)) {
      throw new ConfigException(name, file + " is not a PEM file with a " + marker.replace("-----", "")
          + " block");
    }
  }

  private static String read(String name, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, "no such file: " + file);
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(name, "cannot read " + file + ": " + e.getClass().getSimpleName());
    }
  }
}
