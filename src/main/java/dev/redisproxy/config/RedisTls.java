package dev.redisproxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * TLS to Redis. The files are read once here, at start-up, so that a wrong path or a file that is
 * not PEM stops the proxy with a message naming the variable instead of failing every read later.
 *
 * @param ca             PEM file of the CA(s) to trust; null trusts the JVM's default CAs
 * @param cert           PEM client certificate (chain) for servers that ask for one; null for none
 * @param key            PEM private key (unencrypted PKCS#8 or PKCS#1) of {@code cert}; null for none
 * @param verifyHostname whether the server certificate must name the host connected to; off is unsafe
 */
public record RedisTls(Path ca, Path cert, Path key, boolean verifyHostname) {

  private static final String CERTIFICATE = "-----BEGIN CERTIFICATE-----";

  /** The TLS settings when {@code tls} is on, else null after checking that none was given. */
  static RedisTls from(Map<String, String> v, boolean tls) {
    boolean verifyHostname = RedisBackend.bool(v, "REDIS_TLS_VERIFY_HOSTNAME");
    String[] files = {"REDIS_TLS_CA", "REDIS_TLS_CERT", "REDIS_TLS_KEY"};
    if (!tls) {
      for (String name : files) {
        if (RedisBackend.optional(v, name) != null) {
          throw new ConfigException(name, "is set but TLS is off (use rediss:// in REDIS_URL, or REDIS_TLS=true)");
        }
      }
      return null;
    }
    Path ca = pemFile(v, "REDIS_TLS_CA", CERTIFICATE);
    Path cert = pemFile(v, "REDIS_TLS_CERT", CERTIFICATE);
    Path key = pemFile(v, "REDIS_TLS_KEY", "PRIVATE KEY-----");
    if ((cert == null) != (key == null)) {
      throw new ConfigException(cert == null ? "REDIS_TLS_CERT" : "REDIS_TLS_KEY",
          "REDIS_TLS_CERT and REDIS_TLS_KEY go together: set both or neither");
    }
    return new RedisTls(ca, cert, key, verifyHostname);
  }

  private static Path pemFile(Map<String, String> v, String name, String marker) {
    String text = RedisBackend.optional(v, name);
    if (text == null) {
      return null;
    }
    Path file = Path.of(text.trim());
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, "no such file: " + file);
    }
    String content;
    try {
      content = Files.readString(file);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(name, "cannot read " + file + ": " + e);
    }
    if (content.contains("ENCRYPTED PRIVATE KEY") || content.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new ConfigException(name, file + " holds an encrypted key; give an unencrypted PEM key");
    }
    if (!content.contains(marker)) {
      throw new ConfigException(name, file + " is not a PEM file with a '" + marker.replace("-", "") + "' block");
    }
    return file;
  }
}
