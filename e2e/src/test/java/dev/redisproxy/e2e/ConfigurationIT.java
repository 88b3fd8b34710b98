package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.redisproxy.testing.RedisProcess;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where the settings come from (environment variables, {@code -conf FILE}, {@code conf/config.json}
 * in the working directory; the environment wins) and how bad ones are refused: exit code 2 and a
 * message naming the variable. Each test starts its own proxy against one shared Redis. Skipped
 * against an external deployment.
 */
class ConfigurationIT {

  /** Exit code of the jar for a configuration it refuses (see Main). */
  private static final int EXIT_BAD_CONFIG = 2;
  /** Exit code of the jar when it cannot start with a valid configuration, e.g. a port in use. */
  private static final int EXIT_START_FAILED = 1;
  /** Deadline for a refused start to end: a hang instead of an exit fails the test. */
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

  private static RedisProcess redis;

  @BeforeAll
  static void startRedis() throws Exception {
    assumeFalse(ProxyStack.external(), "starts proxies of its own");
    redis = RedisProcess.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  /** CACHE_MAXSIZE=0 from the environment: pass-through, every read goes to Redis. */
  @Test
  void settingsComeFromTheEnvironment() throws Exception {
    int port = RedisProcess.freePort();
    Map<String, String> env = redisEnv();
    env.put("PROXY_PORT", Integer.toString(port));
    env.put("CACHE_MAXSIZE", "0");
    try (ProxyProcess proxy = ProxyProcess.start(port, env).awaitListening()) {
      ProxyClient http = new ProxyClient(port);
      redis.set("env-key", "one");
      assertServed(http.get("env-key"), "one", "MISS");
      redis.set("env-key", "two");
      assertServed(http.get("env-key"), "two", "MISS");
    }
  }

  /**
   * A file given with -conf sets Redis, the HTTP port and CACHE_MAXSIZE=1; the environment
   * overrides the port only. So the proxy listens on the environment's port, reads the
   * file's Redis, and caches one key.
   */
  @Test
  void confFileIsReadAndTheEnvironmentOverridesIt() throws Exception {
    int filePort = RedisProcess.freePort();
    int envPort = RedisProcess.freePort();
    Path dir = ProxyProcess.newWorkDir();
    Path file = dir.resolve("proxy.json");
    Files.writeString(file, "{\n"
        + "  \"REDIS_HOST\": \"127.0.0.1\",\n"
        + "  \"REDIS_PORT\": " + redis.port() + ",\n"
        + "  \"PROXY_PORT\": " + filePort + ",\n"
        + "  \"RESP_PORT\": 0,\n"
        + "  \"CACHE_MAXSIZE\": 1\n"
        + "}\n");
    Map<String, String> env = Map.of("PROXY_PORT", Integer.toString(envPort));
    try (ProxyProcess proxy = ProxyProcess.start(dir, envPort, env, "-conf", file.toString()).awaitListening()) {
      assertThat(RedisProcess.listening(filePort)).as("the file's PROXY_PORT is overridden").isFalse();
      assertOneKeyCached(new ProxyClient(envPort), "file");
    }
  }

  /** Without -conf, conf/config.json in the working directory is read. */
  @Test
  void confConfigJsonInTheWorkingDirectoryIsRead() throws Exception {
    int port = RedisProcess.freePort();
    Path dir = ProxyProcess.newWorkDir();
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf").resolve("config.json"), "{\"REDIS_PORT\": " + redis.port()
        + ", \"REDIS_HOST\": \"127.0.0.1\", \"PROXY_PORT\": " + port + ", \"RESP_PORT\": 0, \"CACHE_MAXSIZE\": 1}");
    try (ProxyProcess proxy = ProxyProcess.start(dir, port, Map.of()).awaitListening()) {
      assertOneKeyCached(new ProxyClient(port), "cwd");
    }
  }

  /** CACHE_MAXSIZE=1: a second key evicts the first. */
  private static void assertOneKeyCached(ProxyClient http, String prefix) throws Exception {
    redis.set(prefix + "-a", "a");
    redis.set(prefix + "-b", "b");
    assertServed(http.get(prefix + "-a"), "a", "MISS");
    assertServed(http.get(prefix + "-a"), "a", "HIT");
    assertServed(http.get(prefix + "-b"), "b", "MISS");
    assertServed(http.get(prefix + "-a"), "a", "MISS");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "CACHE_MAXSIZE, -1",
      "CACHE_MAXSIZE, lots",
      "PROXY_PORT, 70000",
      "CACHE_TTL, abc",
      "CACHE_TTL, 0",
      "MAX_CONNECTIONS, 0",
      "REDIS_URL, http://localhost:6379",
      "CACHE_MAXMEMORY, 1tb",
      "ACCESS_LOG, maybe",
  })
  void badEnvironmentValueIsRefused(String variable, String value) throws Exception {
    Map<String, String> env = redisEnv();
    env.put("PROXY_PORT", Integer.toString(RedisProcess.freePort()));
    env.put(variable, value);
    try (ProxyProcess proxy = ProxyProcess.start(0, env)) {
      assertThat(proxy.awaitExit(EXIT_TIMEOUT)).as("exit code; output:%n%s", proxy.output()).isEqualTo(EXIT_BAD_CONFIG);
      assertThat(proxy.output()).contains(variable);
    }
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        Arguments.of("not JSON", "{\"CACHE_TTL\": ", "proxy.json"),
        Arguments.of("unknown setting", "{\"CACHE_SIZE\": 10}", "CACHE_SIZE"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void badConfFileIsRefused(String what, String content, String named) throws Exception {
    Path dir = ProxyProcess.newWorkDir();
    Path file = dir.resolve("proxy.json");
    Files.writeString(file, content);
    try (ProxyProcess proxy = ProxyProcess.start(dir, 0, redisEnv(), "-conf", file.toString())) {
      assertThat(proxy.awaitExit(EXIT_TIMEOUT)).as("exit code; output:%n%s", proxy.output()).isEqualTo(EXIT_BAD_CONFIG);
      assertThat(proxy.output()).contains(named);
    }
  }

  @Test
  void missingConfFileIsRefused() throws Exception {
    try (ProxyProcess proxy = ProxyProcess.start(0, redisEnv(), "-conf", "/nonexistent/proxy.json")) {
      assertThat(proxy.awaitExit(EXIT_TIMEOUT)).as("exit code; output:%n%s", proxy.output()).isEqualTo(EXIT_BAD_CONFIG);
      assertThat(proxy.output()).contains("/nonexistent/proxy.json");
    }
  }

  @Test
  void portInUseFailsTheStart() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Map<String, String> env = redisEnv();
      env.put("PROXY_PORT", Integer.toString(taken.getLocalPort()));
      try (ProxyProcess proxy = ProxyProcess.start(taken.getLocalPort(), env)) {
        assertThat(proxy.awaitExit(EXIT_TIMEOUT)).as("exit code; output:%n%s", proxy.output()).isEqualTo(EXIT_START_FAILED);
      }
    }
  }

  private static Map<String, String> redisEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_HOST", "127.0.0.1");
    env.put("REDIS_PORT", Integer.toString(redis.port()));
    env.put("RESP_PORT", "0");
    return env;
  }

  private static void assertServed(Reply r, String value, String xCache) {
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.text()).isEqualTo(value);
    assertThat(r.xCache()).as("X-Cache of %s", r).isEqualTo(xCache);
  }
}
