package dev.redisproxy.resp;

import static dev.redisproxy.testing.Tools.onPath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    Tools.Result result = Tools.runIn(DIR, "node", "clients.mjs", "127.0.0.1", Integer.toString(proxy.respPort()));
    assertThat(result.exit()).as(result.out()).isZero();
    assertThat(result.out()).isEqualTo("ok node-redis RESP3\nok node-redis RESP2\nok ioredis RESP3\nok ioredis RESP2\n");
    try (Jedis redis = proxy.redis().client()) {
      assertThat(redis.get("node:k")).as("the refused writes did not reach Redis").isEqualTo("v");
    }
  }
}
