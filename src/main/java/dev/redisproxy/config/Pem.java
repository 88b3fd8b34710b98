package dev.redisproxy.config;

import java.util.regex.Pattern;

/**
 * The blocks a PEM file in the configuration must hold. The check runs at start-up so that a wrong
 * file stops the proxy with a message naming the variable instead of failing every TLS handshake
 * later. Encrypted keys are refused in every file: neither Vert.x's PEM options nor the proxy take
 * a passphrase.
 */
enum Pem {
  CERTIFICATE("CERTIFICATE", "-----BEGIN CERTIFICATE-----"),
  /** PKCS#8, or PKCS#1 (RSA) and SEC 1 (EC) as older tools write them. */
  PRIVATE_KEY("PRIVATE KEY", "-----BEGIN (RSA |EC )?PRIVATE KEY-----");

  private static final Pattern ENCRYPTED =
      Pattern.compile("-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED");

  private final String label;
  private final Pattern begin;

  Pem(String label, String begin) {
    this.label = label;
    this.begin = Pattern.compile(begin);
  }

  void check(Variable v, Settings.TextFile file) {
    if (ENCRYPTED.matcher(file.text()).find()) {
      throw new ConfigException(v.name(), file.path() + " holds an encrypted private key; give it unencrypted"
          + " (openssl pkey -in KEY -out PLAIN_KEY)");
    }
    if (!begin.matcher(file.text()).find()) {
      throw new ConfigException(v.name(), file.path() + " is not a PEM file with a " + label + " block");
    }
  }
}
