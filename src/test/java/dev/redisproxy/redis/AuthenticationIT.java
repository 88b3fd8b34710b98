package dev.redisproxy.redis;

import dev.redisproxy.cache.LookupException;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.LogCapture;
import dev.redisproxy.testing.RedisProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Credentials against a real redis-server: an ACL user limited to reads, wrong passwords, requirepass. */
class AuthenticationIT {

  /**
   * The least a user needs for the proxy: the commands of a read (see ValueRead). The handshake ({@code HELLO 3 AUTH user pass}) needs
   * no permission of its own. Keys under {@code public:} only.
   */
  static final String READER_ACL = "on >pw ~public:* resetchannels -@all +getrange +pttl +get";

  private RedisProcess redis;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    try (Jedis jedis = redis.client()) {
      jedis.aclSetUser("reader", READER_ACL.split(" "));
      jedis.set("public:greeting", "hello");
      jedis.set("private:secret", "s3cret");
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    redis.close();
  }

  private String url(String userInfo) {
    return "redis://" + userInfo + "@127.0.0.1:" + redis.port();
  }

  @Test
  void aUserAllowedGetAloneIsToldWhichReadCommandItLacks() throws Exception {
    try (Jedis jedis = redis.client()) {
      jedis.aclSetUser("getter", "on", ">pw", "~*", "resetchannels", "-@all", "+get");
    }
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_URL", url("getter:pw")))) {
      LookupException denied = h.failureOf("public:greeting");
      assertThat(denied.failure()).isEqualTo(Failure.REDIS_ERROR);
      assertThat(denied.getMessage()).startsWith("NOPERM").contains("'getrange'");
    }
  }

  @Test
  void anAclUserAllowedOnlyTheReadCommandsReadsAndAKeyOutsideItsPatternIsARedisError() throws Exception {
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_URL", url("reader:pw")))) {
      assertThat(h.read("public:greeting")).isEqualTo("hello");
      assertThat(h.read("public:missing")).isNull();
      LookupException denied = h.failureOf("private:secret");
      assertThat(denied.failure()).isEqualTo(Failure.REDIS_ERROR);
      assertThat(denied.getMessage()).startsWith("NOPERM");
    }
  }

  @Test
  void userAndPasswordVariablesWorkWithoutAUrl() throws Exception {
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_HOST", "127.0.0.1",
        "REDIS_PORT", Integer.toString(redis.port()), "REDIS_USER", "reader", "REDIS_PASSWORD", "pw"))) {
      assertThat(h.read("public:greeting")).isEqualTo("hello");
    }
  }

  @Test
  void aWrongPasswordFailsAtOnceWithAClearMessageLoggedOnceLeaksNoConnectionAndRecovers() throws Exception {
    try (LogCapture log = new LogCapture(VertxRedisReader.class);
         ReaderHarness h = new ReaderHarness(Map.of("REDIS_URL", url("reader:wrong"), "REDIS_TIMEOUT", "30s"))) {
      for (int i = 0; i < 20; i++) {
        LookupException e = h.failureOf("public:greeting");
        assertThat(e.failure()).as("not a timeout: the refusal itself is reported").isEqualTo(Failure.UNAVAILABLE);
        assertThat(e.getMessage()).startsWith(RedisFailures.Problem.CREDENTIALS.summary).contains("WRONGPASS");
      }
      assertThat(log.messages(Level.ERROR)).singleElement().asString()
          .contains("refused the proxy's credentials", "WRONGPASS", "127.0.0.1:" + redis.port())
          .doesNotContain("wrong");
      // vertx-redis-client leaves a refused socket open; the reader closes them by replacing its client.
      Await.until(Duration.ofSeconds(10), "refused connections to be closed", () -> clientCount() == 1);

      try (Jedis jedis = redis.client()) {
        jedis.aclSetUser("reader", ">wrong");
      }
      Await.until(Duration.ofSeconds(10), "reads with the now-valid password", () -> "hello".equals(h.read("public:greeting")));
    }
  }

  @Test
  void anAclWithoutSelectForTheDatabaseInTheUrlIsARefusedSetUp() throws Exception {
    try (ReaderHarness h = new ReaderHarness(Map.of("REDIS_URL", url("reader:pw") + "/1"))) {
      LookupException e = h.failureOf("public:greeting");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).startsWith(RedisFailures.Problem.SET_UP.summary).contains("NOPERM", "'select'");
      Await.until(Duration.ofSeconds(10), "refused connections to be closed", () -> clientCount() == 1);
    }
  }

  private long clientCount() {
    try (Jedis jedis = redis.client()) {
      return jedis.clientList().lines().count();
    }
  }

  @Test
  void aPasswordForTheDefaultUserAndAMissingOne() throws Exception {
    try (Jedis jedis = redis.client()) {
      jedis.configSet("requirepass", "topsecret");
    }
    Map<String, String> server = Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()));
    try (ReaderHarness h = new ReaderHarness(with(server, "REDIS_PASSWORD", "topsecret"))) {
      assertThat(h.read("public:greeting")).isEqualTo("hello");
    }
    try (ReaderHarness h = new ReaderHarness(server)) {
      LookupException e = h.failureOf("public:greeting");
      assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
      assertThat(e.getMessage()).startsWith(RedisFailures.Problem.CREDENTIALS.summary).contains("NOAUTH");
    }
  }

  @Test
  void overHttpAWrongPasswordIs503WithTheReasonAndTheRightOneIs200() throws Exception {
    try (InProcessProxy proxy = InProcessProxy.start(Map.of("REDIS_URL", url("reader:wrong")))) {
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> refused = proxy.get("public:greeting");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("credentials", "WRONGPASS");
      }
      Await.until(Duration.ofSeconds(10), "refused connections to be closed", () -> clientCount() == 1);
    }
    try (InProcessProxy proxy = InProcessProxy.start(Map.of("REDIS_URL", url("reader:pw")))) {
      HttpResponse<String> ok = proxy.get("public:greeting");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("hello");
      assertThat(proxy.get("private:secret").statusCode()).as("NOPERM is Redis's error reply").isEqualTo(502);
    }
  }

  private static Map<String, String> with(Map<String, String> base, String name, String value) {
    Map<String, String> out = new java.util.HashMap<>(base);
    out.put(name, value);
    return out;
  }
}
