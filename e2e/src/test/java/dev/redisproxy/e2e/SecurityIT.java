package dev.redisproxy.e2e;

import static dev.redisproxy.testing.Tools.onPath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.TestCertificates;
import dev.redisproxy.testing.TlsClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The jar with client authentication (PROXY_PASSWORD_FILE), TLS on both ports and a key
 * allow-list, configured only through its environment: TLS clients with the password read allowed
 * keys over HTTP and RESP; everyone else is turned away, and the password never reaches the log.
 * Certificates are made with openssl; skipped where it is missing or against an external deployment.
 */
class SecurityIT {

  private static final String SECRET = "e2e-s3cret-d41d8cd9";
  private static final String WRONG = "e2e-wrong-guess-77";

  @Test
  void passwordTlsAndKeyPatternsOnTheRunningJar() throws Exception {
    assumeTrue(TestCertificates.available(), "openssl is not on PATH: skipping (the test makes its certificates with it)");
    TestCertificates certs = TestCertificates.create();
    Path passwordFile = certs.dir.resolve("proxy-password");
    Files.writeString(passwordFile, SECRET + "\n");
    int respPort = RedisProcess.freePort();
    try (ProxyStack stack = ProxyStack.startLocal(Map.of(
        "PROXY_PASSWORD_FILE", passwordFile.toString(),
        "PROXY_TLS_CERT", certs.serverCert.toString(),
        "PROXY_TLS_KEY", certs.serverKey.toString(),
        "KEY_PATTERNS", "e2e:*",
        "RESP_PORT", Integer.toString(respPort)))) {
      String key = stack.key("secured");
      String denied = "outside:" + key;
      stack.set(key, "allowed value");
      stack.set(denied, "denied value");
      int httpPort = stack.proxyProcess().httpPort();
      SSLContext trusting = TlsClients.trusting(certs.caCert);
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(5)).build();

      assertThat(get(https, "https", httpPort, "/get/" + encode(key), SECRET).body()).isEqualTo("allowed value");
      assertThat(get(https, "https", httpPort, "/get/" + encode(key), null).statusCode()).isEqualTo(401);
      assertThat(get(https, "https", httpPort, "/get/" + encode(key), WRONG).statusCode()).isEqualTo(401);
      assertThat(get(https, "https", httpPort, "/get/" + encode(denied), SECRET).statusCode()).isEqualTo(403);
      assertThat(get(https, "https", httpPort, "/health/live", null).statusCode()).isEqualTo(200);
      assertThat(get(https, "https", httpPort, "/metrics", SECRET).body())
          .contains("redis_proxy_auth_failures_total{frontend=\"http\"} 1.0");
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThatThrownBy(() -> get(plain, "http", httpPort, "/health/live", null)).isInstanceOf(IOException.class);

      try (Jedis jedis = new Jedis(new HostAndPort("localhost", respPort), tlsJedis(trusting).password(SECRET).build())) {
        assertThat(jedis.get(key)).isEqualTo("allowed value");
        assertThatThrownBy(() -> jedis.mget(key, denied)).isInstanceOf(JedisDataException.class)
            .hasMessage("NOPERM No permissions to access a key");
      }
      try (Jedis jedis = new Jedis(new HostAndPort("localhost", respPort), tlsJedis(trusting).build())) {
        assertThatThrownBy(() -> jedis.get(key)).hasMessage("NOAUTH Authentication required.");
      }
      assertThat(plainRespGetsNoReply(respPort)).isTrue();
      if (onPath("redis-cli")) {
        assertThat(run("redis-cli", "-p", Integer.toString(respPort), "--tls", "--cacert", certs.caCert.toString(),
            "-a", SECRET, "--no-auth-warning", "GET", key)).isEqualTo("allowed value\n");
      }

      String log = stack.proxyProcess().output();
      assertThat(log).contains("PROXY_PASSWORD=set", "TLS=on", "KEY_PATTERNS=e2e:*")
          .contains("http client ").contains("failed to authenticate (1 of 3")
          .doesNotContain("TLS is off").doesNotContain(SECRET).doesNotContain(WRONG);
    }
  }

  @Test
  void aPasswordWithoutTlsIsWarnedAboutAndHalfATlsSettingIsRefused() throws Exception {
    try (ProxyStack stack = ProxyStack.startLocal(Map.of("PROXY_PASSWORD", SECRET))) {
      assertThat(stack.http().get(stack.key("x")).status()).isEqualTo(401);
      assertThat(stack.proxyProcess().output()).contains("PROXY_PASSWORD is set but TLS is off").doesNotContain(SECRET);
    }
    int port = RedisProcess.freePort();
    try (ProxyProcess proxy = ProxyProcess.start(port, Map.of("PROXY_PORT", Integer.toString(port),
        "PROXY_TLS_CERT", "/nonexistent/cert.pem"))) {
      assertThat(proxy.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
      assertThat(proxy.output()).contains("Invalid configuration: PROXY_TLS_KEY: PROXY_TLS_CERT and PROXY_TLS_KEY go together");
    }
  }

  /** A new builder each time: build() keeps the credentials it made in the builder. */
  private static DefaultJedisClientConfig.Builder tlsJedis(SSLContext ctx) {
    return DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(ctx.getSocketFactory()).socketTimeoutMillis(10_000);
  }

  private static boolean plainRespGetsNoReply(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write(("*2\r\n$4\r\nAUTH\r\n$" + SECRET.length() + "\r\n" + SECRET + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return !answer.contains("+OK") && !answer.contains("-NOAUTH") && !answer.contains("-ERR");
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  private static HttpResponse<String> get(HttpClient client, String scheme, int port, String path, String bearer)
      throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(scheme + "://localhost:" + port + path))
        .timeout(Duration.ofSeconds(30));
    if (bearer != null) {
      req.header("Authorization", "Bearer " + bearer);
    }
    return client.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String encode(String key) {
    return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish");
    }
    return out;
  }
}
