package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawHttp;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PROXY_PASSWORD on the HTTP front end: who gets through, what the others get, what is counted. */
class HttpAuthIT {

  private static final String SECRET = "http-pr0xy-s3cret";
  private static final String FAILURES = "redis_proxy_auth_failures_total{frontend=\"http\"}";

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp().with(Map.of("PROXY_PASSWORD", SECRET));
  // A client per test: failures are counted per connection.
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void seed() throws Exception {
    proxy.redis().set("k", "v");
  }

  @Test
  void withoutCredentialsEverythingButTheHealthProbesIs401NamingBothSchemes() throws Exception {
    double failuresBefore = proxy.metrics().get(FAILURES);
    for (String[] request : new String[][] {{"GET", "/get/k"}, {"HEAD", "/get/k"}, {"GET", "/metrics"},
        {"DELETE", "/cache"}, {"DELETE", "/cache/k"}, {"GET", "/nope"}, {"GET", "/get"}, {"POST", "/get/k"},
        {"GET", "/health/../metrics"}}) {
      HttpResponse<String> res = send(request[0], request[1], null);
      assertThat(res.statusCode()).as("%s %s", request[0], request[1]).isEqualTo(401);
      assertThat(res.headers().allValues("WWW-Authenticate"))
          .containsExactly("Bearer realm=\"redis-proxy\"", "Basic realm=\"redis-proxy\", charset=\"UTF-8\"");
      if (!request[0].equals("HEAD")) {
        assertThat(res.body()).isEqualTo("authentication required\n");
      }
    }
    assertThat(send("GET", "/health/live", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/health/ready", null).statusCode()).isEqualTo(200);
    assertThat(proxy.metrics().get(FAILURES)).as("asking without credentials is not a failure").isEqualTo(failuresBefore);
    assertThat(proxy.metrics().get("redis_proxy_requests_total{frontend=\"http\",status=\"401\"}")).isPositive();
  }

  @Test
  void bearerOrBasicWithAnyUserNameGetsThrough() throws Exception {
    for (String auth : new String[] {"Bearer " + SECRET, "bearer " + SECRET, basic("anyone", SECRET), basic("", SECRET)}) {
      HttpResponse<String> res = send("GET", "/get/k", auth);
      assertThat(res.statusCode()).as(auth).isEqualTo(200);
      assertThat(res.body()).isEqualTo("v");
    }
    String bearer = "Bearer " + SECRET;
    assertThat(send("GET", "/metrics", bearer).body()).contains(FAILURES);
    assertThat(send("DELETE", "/cache/k", bearer).statusCode()).isEqualTo(204);
    assertThat(send("DELETE", "/cache", bearer).statusCode()).isEqualTo(204);
    assertThat(send("GET", "/nope", bearer).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/get/missing", bearer).statusCode()).isEqualTo(404);
  }

  @Test
  void wrongCredentialsAre401AndCounted() throws Exception {
    double before = proxy.metrics().get(FAILURES);
    for (String auth : new String[] {"Bearer " + SECRET + "x", basic("anyone", "nope"), "Token " + SECRET}) {
      HttpResponse<String> res = send("GET", "/get/k", auth);
      assertThat(res.statusCode()).as(auth).isEqualTo(401);
      assertThat(res.body()).isEqualTo("invalid credentials\n");
      assertThat(res.headers().allValues("WWW-Authenticate")).hasSize(2);
    }
    assertThat(proxy.metrics().get(FAILURES)).isEqualTo(before + 3);
  }

  @Test
  void theThirdWrongPasswordOnAConnectionClosesIt() throws Exception {
    String wrong = request("Authorization: Bearer wrong\r\n");
    try (RawHttp conn = proxy.connect()) {
      for (int i = 0; i < 2; i++) {
        RawHttp.Response r = conn.send(wrong).read();
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("connection")).as("%s", r).isNotEqualToIgnoringCase("close");
      }
      RawHttp.Response third = conn.send(wrong).read();
      assertThat(third.status()).isEqualTo(401);
      assertThat(third.header("connection")).isEqualToIgnoringCase("close");
      assertThat(third.text()).endsWith("invalid credentials\n");
      assertThat(conn.awaitClosed()).isTrue();
    }
  }

  @Test
  void requestsWithoutCredentialsNeverCloseTheConnection() throws Exception {
    try (RawHttp conn = proxy.connect()) {
      for (int i = 0; i < 5; i++) {
        assertThat(conn.send(request("")).read().status()).isEqualTo(401);
      }
      RawHttp.Response authorized = conn.send(request("Authorization: Bearer " + SECRET + "\r\n")).read();
      assertThat(authorized.status()).isEqualTo(200);
      assertThat(authorized.text()).isEqualTo("v");
    }
  }

  @Test
  void readinessStaysOpenButDoesNotTellStrangersRedisErrors() throws Exception {
    int nobody = RedisProcess.freePort();
    try (ProxyFixture down = ProxyFixture.withRedis().withResp().with(Map.of("PROXY_PASSWORD", SECRET,
        "REDIS_URL", "redis://127.0.0.1:" + nobody, "REDIS_TIMEOUT", "500ms")).start()) {
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + down.httpPort() + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonObject data = new JsonObject(ready.body()).getJsonArray("checks").getJsonObject(0).getJsonObject("data");
      assertThat(data.getString("failure")).isIn("unavailable", "timeout");
      assertThat(data.containsKey("error")).isFalse();
      assertThat(ready.body()).doesNotContain(Integer.toString(nobody));
    }
  }

  private static String request(String headers) {
    return "GET /get/k HTTP/1.1\r\nHost: proxy\r\n" + headers + "\r\n";
  }

  private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(30));
    if (authorization != null) {
      req.header("Authorization", authorization);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
