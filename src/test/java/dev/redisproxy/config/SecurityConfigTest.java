package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.security.SecurityConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROXY_PASSWORD(_FILE), PROXY_TLS_* and KEY_PATTERNS: validation, and that no password is ever printed. */
class SecurityConfigTest {

  private static final String SECRET = "correct horse battery staple";
  private static final String PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  private static final String PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

  @TempDir
  Path dir;

  @Test
  void everythingIsOffByDefault() {
    ProxyConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.security()).isEqualTo(SecurityConfig.NONE);
    assertThat(c.security().authRequired()).isFalse();
    assertThat(c.security().tls()).isFalse();
    assertThat(c.describe()).containsEntry("PROXY_PASSWORD", "none").containsEntry("TLS", "off")
        .containsEntry("KEY_PATTERNS", "all keys");
  }

  @Test
  void aPasswordTurnsAuthenticationOnAndIsNeverPrinted() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("PROXY_PASSWORD", SECRET));
    assertThat(c.security().authRequired()).isTrue();
    assertThat(c.security().password().verifier().matches(SECRET.getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(c.describe()).containsEntry("PROXY_PASSWORD", "set");
    assertThat(c.describe().toString()).doesNotContain(SECRET);
    assertThat(c.toString()).doesNotContain(SECRET).doesNotContain("correct");
  }

  @Test
  void thePasswordFileLosesItsTrailingLineBreaksOnly() throws IOException {
    Path file = dir.resolve("password");
    Files.writeString(file, " " + SECRET + " \r\n\n");
    ProxyConfig c = ConfigLoader.load(null, Map.of("PROXY_PASSWORD_FILE", file.toString()));
    assertThat(c.security().password().verifier().matches((" " + SECRET + " ").getBytes(StandardCharsets.UTF_8)))
        .isTrue();
  }

  @Test
  void passwordMistakesAreRefusedWithoutQuotingThePassword() throws IOException {
    Path file = dir.resolve("password");
    Files.writeString(file, SECRET);
    assertRefused(Map.of("PROXY_PASSWORD", SECRET, "PROXY_PASSWORD_FILE", file.toString()),
        "PROXY_PASSWORD_FILE: set PROXY_PASSWORD or PROXY_PASSWORD_FILE, not both");
    assertRefused(Map.of("PROXY_PASSWORD", "   "), "PROXY_PASSWORD: is only white space");
    assertRefused(Map.of("PROXY_PASSWORD_FILE", dir.resolve("nope").toString()), "PROXY_PASSWORD_FILE: no such file");
    Files.writeString(file, "\n");
    assertRefused(Map.of("PROXY_PASSWORD_FILE", file.toString()), "PROXY_PASSWORD_FILE: " + file + " is empty");
  }

  @Test
  void tlsNeedsACertificateAndItsKey() throws IOException {
    Path cert = write("cert.pem", PEM_CERT);
    Path key = write("key.pem", PEM_KEY);
    Path ca = write("ca.pem", PEM_CERT);
    ProxyConfig c = ConfigLoader.load(null, Map.of("PROXY_TLS_CERT", cert.toString(), "PROXY_TLS_KEY", key.toString()));
    assertThat(c.security().tls()).isTrue();
    assertThat(c.security().tlsClientCa()).isNull();
    assertThat(c.describe()).containsEntry("TLS", "on");
    c = ConfigLoader.load(null, Map.of("PROXY_TLS_CERT", cert.toString(), "PROXY_TLS_KEY", key.toString(),
        "PROXY_TLS_CLIENT_CA", ca.toString()));
    assertThat(c.security().tlsClientCa()).isEqualTo(ca);
    assertThat(c.describe()).containsEntry("TLS", "on, client certificate required");
  }

  @Test
  void tlsMistakesAreRefusedNamingTheVariable() throws IOException {
    Path cert = write("cert.pem", PEM_CERT);
    Path key = write("key.pem", PEM_KEY);
    assertRefused(Map.of("PROXY_TLS_CERT", cert.toString()), "PROXY_TLS_KEY: PROXY_TLS_CERT and PROXY_TLS_KEY go together");
    assertRefused(Map.of("PROXY_TLS_KEY", key.toString()), "PROXY_TLS_CERT: PROXY_TLS_CERT and PROXY_TLS_KEY go together");
    assertRefused(Map.of("PROXY_TLS_CLIENT_CA", cert.toString()), "PROXY_TLS_CLIENT_CA: needs TLS on");
    assertRefused(Map.of("PROXY_TLS_CERT", dir.resolve("missing.pem").toString(), "PROXY_TLS_KEY", key.toString()),
        "PROXY_TLS_CERT: no such file");
    assertRefused(Map.of("PROXY_TLS_CERT", key.toString(), "PROXY_TLS_KEY", key.toString()),
        "PROXY_TLS_CERT: " + key + " is not a PEM file with a CERTIFICATE block");
    assertRefused(Map.of("PROXY_TLS_CERT", cert.toString(), "PROXY_TLS_KEY", cert.toString()),
        "PROXY_TLS_KEY: " + cert + " is not a PEM file with a PRIVATE KEY block");
    assertRefused(Map.of("PROXY_TLS_CERT", cert.toString(), "PROXY_TLS_KEY", key.toString(),
        "PROXY_TLS_CLIENT_CA", write("ca.txt", "hello").toString()), "PROXY_TLS_CLIENT_CA: ");
    Path encrypted = write("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertRefused(Map.of("PROXY_TLS_CERT", cert.toString(), "PROXY_TLS_KEY", encrypted.toString()),
        "PROXY_TLS_KEY: " + encrypted + " holds an encrypted private key");
  }

  @Test
  void keyPatternsAreCompiledAtStartUp() throws IOException {
    ProxyConfig c = ConfigLoader.load(null, Map.of("KEY_PATTERNS", " user:*, public:[a-z]* "));
    assertThat(c.security().keyPatterns().allows("user:1".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(c.security().keyPatterns().allows("admin".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(c.describe()).containsEntry("KEY_PATTERNS", "user:*,public:[a-z]*");
    assertRefused(Map.of("KEY_PATTERNS", "user:[abc"), "KEY_PATTERNS: 'user:[abc' has a [ without its ]");
    assertRefused(Map.of("KEY_PATTERNS", "a,,b"), "KEY_PATTERNS: 'a,,b' has an empty pattern");
  }

  @Test
  void theConfigFileMaySetThemToo() throws IOException {
    Path file = write("config.json", "{\"PROXY_PASSWORD\": \"" + SECRET + "\", \"KEY_PATTERNS\": \"a*\"}");
    ProxyConfig c = ConfigLoader.load(file, new HashMap<>());
    assertThat(c.security().authRequired()).isTrue();
    assertThat(c.security().keyPatterns()).hasToString("a*");
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static void assertRefused(Map<String, String> env, String message) {
    assertThatThrownBy(() -> ConfigLoader.load(null, env))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
  }
}
