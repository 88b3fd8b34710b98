package dev.redisproxy.config;

import static dev.redisproxy.config.Variable.REDIS_TLS_CA;
import static dev.redisproxy.config.Variable.REDIS_TLS_CERT;
import static dev.redisproxy.config.Variable.REDIS_TLS_KEY;
import static dev.redisproxy.config.Variable.REDIS_TLS_VERIFY_HOSTNAME;

import java.nio.file.Path;

/**
 * TLS to Redis. The files are checked at start-up ({@link Pem}), so that a wrong path or a file that
 * is not PEM stops the proxy with a message naming the variable instead of failing every read later.
 *
 * @param ca             PEM file of the CA(s) to trust; null trusts the JVM's default CAs
 * @param cert           PEM client certificate (chain) for servers that ask for one; null for none
 * @param key            PEM private key (unencrypted PKCS#8 or PKCS#1) of {@code cert}; null for none
 * @param verifyHostname whether the server certificate must name the host connected to; off is unsafe
 */
public record RedisTls(Path ca, Path cert, Path key, boolean verifyHostname) {

  /** The TLS settings when {@code tls} is on, else null after checking that no file was given. */
  static RedisTls from(Settings s, boolean tls) {
    boolean verifyHostname = s.bool(REDIS_TLS_VERIFY_HOSTNAME);
    if (!tls) {
      for (Variable file : new Variable[] {REDIS_TLS_CA, REDIS_TLS_CERT, REDIS_TLS_KEY}) {
        if (s.isSet(file)) {
          throw new ConfigException(file.name(), "is set but TLS is off (use rediss:// in REDIS_URL, or REDIS_TLS=true)");
        }
      }
      return null;
    }
    if (s.isSet(REDIS_TLS_CERT) != s.isSet(REDIS_TLS_KEY)) {
      throw new ConfigException(s.isSet(REDIS_TLS_CERT) ? "REDIS_TLS_KEY" : "REDIS_TLS_CERT",
          "REDIS_TLS_CERT and REDIS_TLS_KEY go together: set both or neither");
    }
    return new RedisTls(s.pem(REDIS_TLS_CA, Pem.CERTIFICATE), s.pem(REDIS_TLS_CERT, Pem.CERTIFICATE),
        s.pem(REDIS_TLS_KEY, Pem.PRIVATE_KEY), verifyHostname);
  }
}
