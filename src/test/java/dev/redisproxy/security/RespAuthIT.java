package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.Tools;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** PROXY_PASSWORD on the RESP front end, with Redis's own replies; raw bytes, Jedis, Lettuce and redis-cli. */
class RespAuthIT {

  private static final String SECRET = "resp-pr0xy-s3cret";
  private static final String NOAUTH = "-NOAUTH Authentication required.";
  private static final String WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.";
  private static final String FAILURES = "redis_proxy_auth_failures_total{frontend=\"resp\"}";

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp().with(Map.of("PROXY_PASSWORD", SECRET));

  @BeforeAll
  static void seed() throws Exception {
    proxy.redis().set("k", "v");
  }

  @Test
  void onlyAuthHelloAndQuitAreServedBeforeAuthentication() throws Exception {
    try (RawConnection conn = connect()) {
      for (String[] cmd : new String[][] {{"GET", "k"}, {"MGET", "k"}, {"PING"}, {"INFO"}, {"COMMAND", "COUNT"},
          {"CLIENT", "ID"}, {"SET", "k", "x"}, {"FOO", SECRET}}) {
        assertThat(conn.command(cmd)).as(String.join(" ", cmd)).isEqualTo(NOAUTH);
      }
      assertThat(conn.send("GET k\r\n").line()).as("inline").isEqualTo(NOAUTH);
      assertThat(conn.command("HELLO")).isEqualTo("-NOAUTH HELLO must be called with the client already authenticated,"
          + " otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the"
          + " RESP protocol version at the same time");
      assertThat(conn.command("HELLO", "2")).startsWith("-NOAUTH HELLO must be called with the client already authenticated");
      assertThat(conn.command("AUTH", "a", "b", "c")).isEqualTo("-ERR syntax error");
      assertThat(conn.command("AUTH", SECRET)).isEqualTo("+OK");
      assertThat(conn.command("GET", "k")).isEqualTo("$1");
      assertThat(conn.line()).isEqualTo("v");
      assertThat(conn.command("PING")).isEqualTo("+PONG");
    }
    try (RawConnection conn = connect()) {
      assertThat(conn.command("QUIT")).isEqualTo("+OK");
      assertThat(conn.closedByServer()).isTrue();
    }
  }

  @Test
  void theUserMayBeGivenAndMustThenBeDefault() throws Exception {
    try (RawConnection conn = connect()) {
      assertThat(conn.command("AUTH", "bob", SECRET)).isEqualTo(WRONGPASS);
      assertThat(conn.command("AUTH", "DEFAULT", SECRET)).isEqualTo(WRONGPASS);
      assertThat(conn.command("AUTH", "default", SECRET)).isEqualTo("+OK");
      assertThat(conn.command("GET", "k")).isEqualTo("$1");
    }
  }

  @Test
  void helloWithAuthAuthenticatesOnlyInAProtocolTheProxySpeaks() throws Exception {
    try (RawConnection conn = connect()) {
      assertThat(conn.command("HELLO", "4", "AUTH", "default", SECRET)).isEqualTo("-NOPROTO unsupported protocol version");
      assertThat(conn.command("GET", "k")).as("HELLO 4 did not authenticate").isEqualTo(NOAUTH);
      assertThat(conn.command("HELLO", "3", "AUTH", "default", "wrong")).isEqualTo(WRONGPASS);
      assertThat(conn.command("HELLO", "2", "AUTH", "default", "wrong")).isEqualTo(WRONGPASS);
      assertThat(conn.command("HELLO", "2", "AUTH", "default", SECRET, "SETNAME", "me")).isEqualTo("*14");
      skipElements(conn, 14);
      assertThat(conn.command("CLIENT", "GETNAME")).isEqualTo("$2");
      assertThat(conn.line()).isEqualTo("me");
    }
  }

  @Test
  void aFailedAuthLeavesAnAuthenticatedConnectionAuthenticated() throws Exception {
    try (RawConnection conn = connect()) {
      assertThat(conn.command("AUTH", SECRET)).isEqualTo("+OK");
      assertThat(conn.command("AUTH", "wrong")).isEqualTo(WRONGPASS);
      assertThat(conn.command("PING")).isEqualTo("+PONG");
    }
  }

  @Test
  void theThirdWrongPasswordClosesTheConnectionAndEachIsCounted() throws Exception {
    double before = proxy.metrics().get(FAILURES);
    try (RawConnection conn = connect()) {
      assertThat(conn.command("AUTH", "wrong-1")).isEqualTo(WRONGPASS);
      assertThat(conn.command("HELLO", "2", "AUTH", "default", "wrong-2")).isEqualTo(WRONGPASS);
      // Pipelined after the third failure: never answered.
      assertThat(conn.send("*2\r\n$4\r\nAUTH\r\n$7\r\nwrong-3\r\nPING\r\n").line()).isEqualTo(WRONGPASS);
      assertThat(conn.closedByServer()).isTrue();
    }
    assertThat(proxy.metrics().get(FAILURES)).isEqualTo(before + 3);
    try (RawConnection conn = connect()) {
      for (int i = 0; i < 5; i++) {
        assertThat(conn.command("GET", "k")).isEqualTo(NOAUTH);
      }
      assertThat(conn.command("AUTH", SECRET)).as("NOAUTH replies are not failures").isEqualTo("+OK");
    }
    assertThat(proxy.metrics().get(FAILURES)).isEqualTo(before + 3);
  }

  @Test
  void jedisWithThePasswordWorksAndWithoutItIsRefused() {
    try (Jedis jedis = jedis(DefaultJedisClientConfig.builder().password(SECRET))) {
      assertThat(jedis.get("k")).isEqualTo("v");
      assertThat(jedis.mget("k", "nope")).containsExactly("v", null);
    }
    try (Jedis jedis = jedis(DefaultJedisClientConfig.builder().user("default").password(SECRET))) {
      assertThat(jedis.get("k")).isEqualTo("v");
    }
    try (Jedis jedis = jedis(DefaultJedisClientConfig.builder())) {
      assertThatThrownBy(() -> jedis.get("k")).isInstanceOf(JedisDataException.class)
          .hasMessage("NOAUTH Authentication required.");
    }
    assertThatThrownBy(() -> {
      try (Jedis jedis = jedis(DefaultJedisClientConfig.builder().password("wrong"))) {
        jedis.get("k");
      }
    }).hasStackTraceContaining("WRONGPASS invalid username-password pair or user is disabled.");
  }

  @Test
  void lettuceWithThePassword() {
    RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(proxy.respPort())
        .withPassword(SECRET.toCharArray()).withTimeout(Duration.ofSeconds(10)).build());
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(conn.sync().get("k")).isEqualTo("v");
    } finally {
      client.shutdown(0, 5, TimeUnit.SECONDS);
    }
  }

  @Test
  void redisCliWithAndWithoutThePassword() throws Exception {
    assumeTrue(Tools.onPath("redis-cli"), "redis-cli is not on PATH: skipping the redis-cli test");
    String port = Integer.toString(proxy.respPort());
    assertThat(Tools.run("redis-cli", "-p", port, "-a", SECRET, "--no-auth-warning", "GET", "k"))
        .isEqualTo(new Tools.Result(0, "v\n"));
    assertThat(Tools.run("redis-cli", "-p", port, "--user", "default", "--pass", SECRET, "--no-auth-warning",
        "MGET", "k", "nope").out()).isEqualTo("v\n\n");
    assertThat(Tools.run("redis-cli", "-p", port, "GET", "k").out()).contains("NOAUTH Authentication required.");
    assertThat(Tools.run("redis-cli", "-p", port, "-a", "wrong", "--no-auth-warning", "GET", "k").out())
        .contains("WRONGPASS");
  }

  private static RawConnection connect() throws Exception {
    return RawConnection.plain(proxy.respPort());
  }

  private static Jedis jedis(DefaultJedisClientConfig.Builder config) {
    return new Jedis(new HostAndPort("127.0.0.1", proxy.respPort()), config.socketTimeoutMillis(10_000).build());
  }

  /** Reads past {@code n} elements of an array whose elements are bulk strings, integers or empty arrays. */
  private static void skipElements(RawConnection conn, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      if (conn.line().startsWith("$")) {
        conn.line();
      }
    }
  }
}
