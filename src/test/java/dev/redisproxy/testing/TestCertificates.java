package dev.redisproxy.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away certificates for TLS tests, made with the {@code openssl} command line: a CA, a
 * server certificate for {@code localhost}/127.0.0.1, a server certificate for another name, a
 * client certificate, and a second CA that signed none of them. EC keys, so that this is quick.
 */
public final class TestCertificates {

  public final Path dir;
  public final Path caCert;
  public final Path otherCaCert;
  public final Path serverCert;
  public final Path serverKey;
  /** Signed by the CA for the name {@code redis.invalid} only, not for 127.0.0.1. */
  public final Path wrongNameCert;
  public final Path wrongNameKey;
  public final Path clientCert;
  public final Path clientKey;

  private TestCertificates(Path dir) {
    this.dir = dir;
    caCert = dir.resolve("ca.crt");
    otherCaCert = dir.resolve("other-ca.crt");
    serverCert = dir.resolve("server.crt");
    serverKey = dir.resolve("server.key");
    wrongNameCert = dir.resolve("wrong-name.crt");
    wrongNameKey = dir.resolve("wrong-name.key");
    clientCert = dir.resolve("client.crt");
    clientKey = dir.resolve("client.key");
  }

  /** True when the {@code openssl} command is on PATH; tests that need certificates are skipped otherwise. */
  public static boolean available() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, "openssl"))) {
        return true;
      }
    }
    return false;
  }

  /** {@link #create}, or the test is skipped (not failed) where {@code openssl} is missing. */
  public static TestCertificates createOrSkip() throws IOException, InterruptedException {
    assumeTrue(available(), "openssl is not on PATH: skipping a TLS test (it makes its certificates with it)");
    return create();
  }

  public static TestCertificates create() throws IOException, InterruptedException {
    TestCertificates c = new TestCertificates(Files.createTempDirectory("redis-tls-"));
    c.selfSigned("ca", "redis-proxy test CA");
    c.selfSigned("other-ca", "some other CA");
    c.signed("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    c.signed("wrong-name", "redis.invalid", "subjectAltName=DNS:redis.invalid");
    c.signed("client", "redis-proxy", "extendedKeyUsage=clientAuth");
    return c;
  }

  private void selfSigned(String name, String subject) throws IOException, InterruptedException {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + subject);
  }

  private void signed(String name, String commonName, String extension) throws IOException, InterruptedException {
    Files.writeString(dir.resolve(name + ".ext"), extension + "\n");
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + commonName);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
    }
  }
}
