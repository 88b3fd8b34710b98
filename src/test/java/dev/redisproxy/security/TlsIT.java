package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.TestCertificates;
import dev.redisproxy.testing.TlsClients;
import dev.redisproxy.testing.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * PROXY_TLS_CERT/KEY on both listeners, with a throw-away CA made by openssl: clients that trust
 * it get in (JDK HttpClient, Jedis, redis-cli, a raw TLS socket), plain connections are refused;
 * with PROXY_TLS_CLIENT_CA only clients with a certificate from that CA get in.
 */
class TlsIT {

  private static final String SECRET = "tls-pr0xy-s3cret";

  private static TestCertificates certs;

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.createOrSkip();
  }

  @Test
  void httpsAndTlsRespServeClientsThatTrustTheCaAndPlainConnectionsAreRefused() throws Exception {
    try (ProxyFixture proxy = start(Map.of("PROXY_PASSWORD", SECRET))) {
      proxy.redis().set("k", "v");
      SSLContext trusting = TlsClients.trusting(certs.caCert);
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(5)).build();
      assertThat(get(https, "https", proxy, "/get/k", "Bearer " + SECRET).body()).isEqualTo("v");
      assertThat(get(https, "https", proxy, "/get/k", null).statusCode()).isEqualTo(401);
      assertThat(get(https, "https", proxy, "/health/live", null).statusCode()).isEqualTo(200);

      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThatThrownBy(() -> get(plain, "http", proxy, "/health/live", null)).isInstanceOf(IOException.class);
      assertThat(plainBytesGetNoAnswer(proxy.httpPort(), "GET /health/live HTTP/1.1\r\nHost: proxy\r\n\r\n")).isTrue();
      HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThatThrownBy(() -> get(untrusting, "https", proxy, "/health/live", null))
          .isInstanceOf(SSLHandshakeException.class);

      try (Jedis jedis = new Jedis(new HostAndPort("localhost", proxy.respPort()), DefaultJedisClientConfig.builder()
          .ssl(true).sslSocketFactory(trusting.getSocketFactory()).password(SECRET).socketTimeoutMillis(10_000).build())) {
        assertThat(jedis.get("k")).isEqualTo("v");
      }
      try (RawConnection conn = RawConnection.using(trusting.getSocketFactory(), proxy.respPort())) {
        assertThat(conn.command("GET", "k")).isEqualTo("-NOAUTH Authentication required.");
        assertThat(conn.command("AUTH", SECRET)).isEqualTo("+OK");
        assertThat(conn.command("GET", "k")).isEqualTo("$1");
      }
      assertThat(plainBytesGetNoAnswer(proxy.respPort(), "PING\r\n")).isTrue();
      assertThat(plainBytesGetNoAnswer(proxy.respPort(), "*2\r\n$4\r\nAUTH\r\n$16\r\n" + SECRET + "\r\n")).isTrue();

      if (Tools.onPath("redis-cli")) {
        assertThat(Tools.run("redis-cli", "-p", Integer.toString(proxy.respPort()), "--tls",
            "--cacert", certs.caCert.toString(), "-a", SECRET, "--no-auth-warning", "GET", "k"))
            .isEqualTo(new Tools.Result(0, "v\n"));
      }
    }
  }

  @Test
  void withAClientCaOnlyClientsPresentingACertificateFromItGetIn() throws Exception {
    try (ProxyFixture proxy = start(Map.of("PROXY_TLS_CLIENT_CA", certs.caCert.toString()))) {
      proxy.redis().set("k", "v");
      SSLContext withCert = TlsClients.withClientCertificate(certs.caCert, certs.clientCert, certs.clientKey);
      SSLContext withoutCert = TlsClients.trusting(certs.caCert);

      HttpClient good = HttpClient.newBuilder().sslContext(withCert).connectTimeout(Duration.ofSeconds(5)).build();
      assertThat(get(good, "https", proxy, "/get/k", null).body()).isEqualTo("v");
      HttpClient bad = HttpClient.newBuilder().sslContext(withoutCert).connectTimeout(Duration.ofSeconds(5)).build();
      assertThatThrownBy(() -> get(bad, "https", proxy, "/get/k", null)).isInstanceOf(IOException.class);

      try (RawConnection conn = RawConnection.using(withCert.getSocketFactory(), proxy.respPort())) {
        assertThat(conn.command("PING")).isEqualTo("+PONG");
      }
      assertThat(tlsBytesGetNoAnswer(withoutCert, proxy.respPort(), "PING\r\n")).isTrue();
      try (Jedis jedis = new Jedis(new HostAndPort("localhost", proxy.respPort()), DefaultJedisClientConfig.builder()
          .ssl(true).sslSocketFactory(withCert.getSocketFactory()).socketTimeoutMillis(10_000).build())) {
        assertThat(jedis.get("k")).isEqualTo("v");
      }

      if (Tools.onPath("redis-cli")) {
        String port = Integer.toString(proxy.respPort());
        String ca = certs.caCert.toString();
        assertThat(Tools.run("redis-cli", "-p", port, "--tls", "--cacert", ca,
            "--cert", certs.clientCert.toString(), "--key", certs.clientKey.toString(), "GET", "k"))
            .isEqualTo(new Tools.Result(0, "v\n"));
        assertThat(Tools.run("redis-cli", "-p", port, "--tls", "--cacert", ca, "GET", "k").out())
            .doesNotContain("v\n");
      }
    }
  }

  private static ProxyFixture start(Map<String, String> settings) throws Exception {
    Map<String, String> env = new HashMap<>(settings);
    env.put("PROXY_TLS_CERT", certs.serverCert.toString());
    env.put("PROXY_TLS_KEY", certs.serverKey.toString());
    return ProxyFixture.withRedis().withResp().with(env).start();
  }

  /** Plain bytes sent to a TLS port: the connection closes and nothing readable comes back. */
  private static boolean plainBytesGetNoAnswer(int port, String request) throws IOException {
    try (RawConnection conn = RawConnection.plain(port)) {
      String answer = new String(conn.send(request).readToEnd(), StandardCharsets.ISO_8859_1);
      return !answer.contains("HTTP/") && !answer.contains("PONG") && !answer.contains("+OK") && !answer.contains("-ERR");
    }
  }

  /** A TLS client without a client certificate: refused during or right after the handshake, never answered. */
  private static boolean tlsBytesGetNoAnswer(SSLContext ctx, int port, String request) {
    try (RawConnection conn = RawConnection.using(ctx.getSocketFactory(), port)) {
      return conn.send(request).readToEnd().length == 0;
    } catch (IOException refused) {
      return true;
    }
  }

  private static HttpResponse<String> get(HttpClient client, String scheme, ProxyFixture proxy, String path,
      String authorization) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(scheme + "://localhost:" + proxy.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
    if (authorization != null) {
      req.header("Authorization", authorization);
    }
    return client.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }
}
