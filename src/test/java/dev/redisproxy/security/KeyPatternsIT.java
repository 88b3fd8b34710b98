package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * KEY_PATTERNS over HTTP and RESP: allowed keys are served, others refused before the cache, so
 * Redis never sees a read for them (GETRANGE, see ValueRead) (counted with Redis's own {@code INFO commandstats}).
 */
class KeyPatternsIT {

  private static final String NOPERM = "-NOPERM No permissions to access a key";
  private static final Pattern GET_CALLS = Pattern.compile("cmdstat_getrange:calls=(\\d+)");

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp().with(Map.of("KEY_PATTERNS", "user:*, public:?"));
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void seed() throws Exception {
    proxy.redis().set("user:1", "alice");
    proxy.redis().set("public:a", "hello");
    proxy.redis().set("secret", "top");
    proxy.redis().set("public:ab", "no");
  }

  @Test
  void httpServesAllowedKeysAndRefusesOthersWith403() throws Exception {
    assertThat(send("GET", "/get/user:1").body()).isEqualTo("alice");
    assertThat(send("GET", "/get/public:a").body()).isEqualTo("hello");
    assertThat(send("GET", "/get/user:none").statusCode()).as("allowed but missing").isEqualTo(404);
    long redisGets = redisGets();
    for (String path : new String[] {"/get/secret", "/get/public:ab", "/get/%73ecret", "/get/user"}) {
      HttpResponse<String> res = send("GET", path);
      assertThat(res.statusCode()).as(path).isEqualTo(403);
      assertThat(res.body()).isEqualTo("key not allowed\n");
    }
    assertThat(send("HEAD", "/get/secret").statusCode()).isEqualTo(403);
    assertThat(redisGets()).as("no GET reached Redis").isEqualTo(redisGets);
  }

  @Test
  void httpCacheDropObeysThePatternsToo() throws Exception {
    assertThat(send("DELETE", "/cache/secret").statusCode()).isEqualTo(403);
    assertThat(send("DELETE", "/cache/user:1").statusCode()).isEqualTo(204);
    assertThat(send("DELETE", "/cache").statusCode()).isEqualTo(204);
  }

  @Test
  void respGetAndMgetAreRefusedWithRedisAclWordingIfAnyKeyIsOutside() throws Exception {
    long redisGets = redisGets();
    try (RawConnection conn = RawConnection.plain(proxy.respPort())) {
      assertThat(conn.command("GET", "secret")).isEqualTo(NOPERM);
      assertThat(conn.command("MGET", "user:1", "secret", "public:a")).isEqualTo(NOPERM);
      assertThat(conn.send("GET secret\r\n").line()).isEqualTo(NOPERM);
      assertThat(redisGets()).as("no GET reached Redis").isEqualTo(redisGets);
      assertThat(conn.command("GET", "user:1")).isEqualTo("$5");
      assertThat(conn.line()).isEqualTo("alice");
    }
    try (Jedis jedis = new Jedis("127.0.0.1", proxy.respPort(), 10_000)) {
      assertThat(jedis.mget("user:1", "public:a", "user:none")).containsExactly("alice", "hello", null);
      assertThatThrownBy(() -> jedis.get("secret")).isInstanceOf(JedisDataException.class)
          .hasMessage("NOPERM No permissions to access a key");
      assertThatThrownBy(() -> jedis.mget("user:1", "public:ab")).hasMessageContaining("NOPERM");
      assertThat(jedis.get("user:1")).as("the connection goes on").isEqualTo("alice");
    }
  }

  @Test
  void withoutAPasswordAuthIsStillAcceptedUnchecked() throws Exception {
    try (RawConnection conn = RawConnection.plain(proxy.respPort())) {
      assertThat(conn.command("AUTH", "anything")).isEqualTo("+OK");
      assertThat(conn.command("AUTH", "someone", "anything")).isEqualTo("+OK");
    }
  }

  private static long redisGets() {
    try (Jedis redis = proxy.redis().client()) {
      Matcher m = GET_CALLS.matcher(redis.info("commandstats"));
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
