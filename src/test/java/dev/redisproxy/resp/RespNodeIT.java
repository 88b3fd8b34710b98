package dev.redisproxy.resp;

import static dev.redisproxy.testing.Tools.onPath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.ProxyFixture;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * Node.js clients from npm against the proxy: node-redis 5 and ioredis, each in RESP3 and RESP2,
 * run by {@code e2e/node/clients.mjs} (which holds the assertions). Skipped where {@code node} or
 * {@code e2e/node/node_modules} is missing, except in CI ({@code CI=true}), where {@code .ci/run}
 * installs them and their absence fails the test.
 */
class RespNodeIT {

  private static final Path DIR = Path.of("e2e", "node");
  /** A guard against a hung script, not a timing assertion. */
  private static final long PROCESS_TIMEOUT_S = 120;

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp();

  @BeforeAll
  static void seed() throws Exception {
    proxy.redis().set("node:k", "v");
    proxy.redis().set("node:bin".getBytes(StandardCharsets.US_ASCII), new byte[] {'a', '\r', '\n', 0, (byte) 0xff, 'z'});
    try (Jedis redis = proxy.redis().client()) {
      for (int i = 0; i < 1000; i += 2) {
        redis.set("node:" + i, "v:" + i);
      }
    }
  }

  @Test
  void nodeRedisAndIoredisInBothProtocols() throws Exception {
    boolean ready = onPath("node") && Files.isDirectory(DIR.resolve("node_modules/redis"))
        && Files.isDirectory(DIR.resolve("node_modules/ioredis"));
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      assertThat(ready).as("CI: node on PATH and %s installed (npm ci in it)", DIR.resolve("node_modules")).isTrue();
    }
    assumeTrue(ready, "node or " + DIR.resolve("node_modules") + " is missing (run npm ci in " + DIR + "): skipping");
    Path out = Files.createTempFile("resp-node-", ".out");
    try {
      Process p = new ProcessBuilder("node", "clients.mjs", "127.0.0.1", Integer.toString(proxy.respPort()))
          .directory(DIR.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(PROCESS_TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      String output = Files.readString(out);
      assertThat(p.exitValue()).as(output).isZero();
      assertThat(output).isEqualTo("ok node-redis RESP3\nok node-redis RESP2\nok ioredis RESP3\nok ioredis RESP2\n");
    } finally {
      Files.deleteIfExists(out);
    }
    try (Jedis redis = proxy.redis().client()) {
      assertThat(redis.get("node:k")).as("the refused writes did not reach Redis").isEqualTo("v");
    }
  }
}
