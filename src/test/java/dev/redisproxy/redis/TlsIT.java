package dev.redisproxy.redis;

import dev.redisproxy.cache.LookupException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.LogCapture;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.TestCertificates;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS to a real redis-server with {@code --tls-port}, with certificates the test makes with openssl. */
class TlsIT {

  private static TestCertificates certs;
  private RedisProcess redis;
  private int tlsPort;

  @BeforeAll
  static void makeCertificates() throws Exception {
    assumeTrue(TestCertificates.available(), "openssl is not on PATH: the TLS tests need it to make certificates");
    certs = TestCertificates.create();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  /** A server with a plain port (for seeding) and a TLS port (for the proxy). */
  private void startRedis(Path cert, Path key, String authClients) throws Exception {
    tlsPort = RedisProcess.freePort();
    redis = RedisProcess.start(List.of("--tls-port", Integer.toString(tlsPort),
        "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(),
        "--tls-ca-cert-file", certs.caCert.toString(), "--tls-auth-clients", authClients));
    redis.set("greeting", "hello over TLS");
  }

  private Map<String, String> tlsEnv(String... more) {
    Map<String, String> env = new HashMap<>(Map.of(
        "REDIS_URL", "rediss://127.0.0.1:" + tlsPort, "REDIS_TLS_CA", certs.caCert.toString()));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  @Test
  void readsThroughRedissTrustingTheTestCaAndVerifyingTheHostName() throws Exception {
    startRedis(certs.serverCert, certs.serverKey, "no");
    try (ReaderHarness h = new ReaderHarness(tlsEnv())) {
      assertThat(h.read("greeting")).isEqualTo("hello over TLS");
      assertThat(h.read("missing")).isNull();
    }
    try (InProcessProxy proxy = InProcessProxy.start(tlsEnv())) {
      HttpResponse<String> r = proxy.get("greeting");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello over TLS");
    }
  }

  @Test
  void tlsOnWithHostAndPortVariables() throws Exception {
    startRedis(certs.serverCert, certs.serverKey, "no");
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_HOST", "localhost", "REDIS_PORT", Integer.toString(tlsPort),
        "REDIS_TLS", "true", "REDIS_TLS_CA", certs.caCert.toString()))) {
      assertThat(h.read("greeting")).isEqualTo("hello over TLS");
    }
  }

  @Test
  void aWrongCaFailsClearlyAndIsLoggedOnce() throws Exception {
    startRedis(certs.serverCert, certs.serverKey, "no");
    try (LogCapture log = new LogCapture(VertxRedisReader.class);
         ReaderHarness h = new ReaderHarness(tlsEnv("REDIS_TLS_CA", certs.otherCaCert.toString()))) {
      for (int i = 0; i < 3; i++) {
        LookupException e = h.failureOf("greeting");
        assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
        assertThat(e.getMessage()).startsWith(RedisFailures.Problem.TLS.summary);
      }
      assertThat(log.messages(Level.ERROR)).singleElement().asString().contains("TLS handshake with Redis failed");
    }
    try (InProcessProxy proxy = InProcessProxy.start(tlsEnv("REDIS_TLS_CA", certs.otherCaCert.toString()))) {
      HttpResponse<String> r = proxy.get("greeting");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("TLS handshake with Redis failed");
    }
  }

  @Test
  void aCertificateForAnotherNameIsRefusedUnlessHostNameVerificationIsOff() throws Exception {
    startRedis(certs.wrongNameCert, certs.wrongNameKey, "no");
    try (ReaderHarness h = new ReaderHarness(tlsEnv())) {
      LookupException e = h.failureOf("greeting");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).startsWith(RedisFailures.Problem.TLS.summary);
    }
    try (LogCapture log = new LogCapture(VertxRedisReader.class);
         ReaderHarness h = new ReaderHarness(tlsEnv("REDIS_TLS_VERIFY_HOSTNAME", "false"))) {
      assertThat(h.read("greeting")).isEqualTo("hello over TLS");
      assertThat(log.messages(Level.WARN)).singleElement().asString().contains("REDIS_TLS_VERIFY_HOSTNAME is off");
    }
  }

  @Test
  void aServerThatRequiresAClientCertificateGetsOne() throws Exception {
    startRedis(certs.serverCert, certs.serverKey, "yes");
    try (ReaderHarness h = new ReaderHarness(tlsEnv(
        "REDIS_TLS_CERT", certs.clientCert.toString(), "REDIS_TLS_KEY", certs.clientKey.toString()))) {
      assertThat(h.read("greeting")).isEqualTo("hello over TLS");
    }
    try (ReaderHarness h = new ReaderHarness(tlsEnv())) {
      assertThat(h.failureOf("greeting").failure()).as("no client certificate").isEqualTo(Failure.UNAVAILABLE);
    }
  }
}
