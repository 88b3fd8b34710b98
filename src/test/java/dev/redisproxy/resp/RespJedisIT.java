package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.testing.ProxyFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Jedis, unchanged, pointed at the proxy's RESP port: as it connects by default (RESP2, no
 * HELLO); {@link RespJedisResp3IT} runs the same tests over RESP3.
 */
class RespJedisIT {

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp();

  @BeforeAll
  static void seed() throws Exception {
    try (Jedis redis = proxy.redis().client()) {
      for (int i = 0; i < 300; i += 2) {
        redis.set("key:" + i, "value:" + i);
      }
      redis.set("k", "v");
      redis.rpush("list", "a");
    }
  }

  /** A client as a test of this class connects it. */
  Jedis client() {
    return new Jedis("127.0.0.1", proxy.respPort(), 10_000);
  }

  @Test
  void getHitAndMiss() {
    try (Jedis jedis = client()) {
      assertThat(jedis.get("k")).isEqualTo("v");
      assertThat(jedis.get("k")).isEqualTo("v");
      assertThat(jedis.get("no-such-key")).isNull();
    }
  }

  @Test
  void binaryKeysAndValuesWithCrLfInside() {
    byte[] key = {'b', '\r', '\n', (byte) 0xfe};
    byte[] value = new byte[5000];
    new Random(1).nextBytes(value);
    value[0] = '\r';
    value[1] = '\n';
    proxy.redis().set(key, value);
    try (Jedis jedis = client()) {
      assertThat(jedis.get(key)).isEqualTo(value);
      assertThat(jedis.get(key)).isEqualTo(value);
    }
  }

  @Test
  void mgetWithMissingKeys() {
    try (Jedis jedis = client()) {
      assertThat(jedis.mget("key:0", "key:1", "k", "nope", "key:2"))
          .containsExactly("value:0", null, "v", null, "value:2");
    }
  }

  @Test
  void mgetAnswersNilForAKeyOfAnotherTypeAsRedisDoes() {
    try (Jedis jedis = client()) {
      assertThat(jedis.mget("k", "list")).containsExactly("v", null);
    }
  }

  @Test
  void wrongTypeErrorPassesThrough() {
    try (Jedis jedis = client()) {
      assertThatThrownBy(() -> jedis.get("list")).isInstanceOf(JedisDataException.class)
          .hasMessage("WRONGTYPE Operation against a key holding the wrong kind of value");
    }
  }

  @Test
  void pipelineOfAThousandMixedHitsAndMissesStaysInOrder() {
    try (Jedis jedis = client()) {
      jedis.get("key:0"); // one certain hit among first-time misses
      Pipeline p = jedis.pipelined();
      List<Response<String>> gets = new ArrayList<>();
      List<Response<List<String>>> mgets = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        gets.add(p.get("key:" + (i % 300)));
        if (i % 50 == 0) {
          mgets.add(p.mget("key:" + i, "key:" + (i + 1), "key:0"));
        }
      }
      p.sync();
      for (int i = 0; i < 1000; i++) {
        int n = i % 300;
        assertThat(gets.get(i).get()).as("GET key:%d", n).isEqualTo(n % 2 == 0 ? "value:" + n : null);
      }
      for (int j = 0; j < mgets.size(); j++) {
        int i = j * 50;
        assertThat(mgets.get(j).get()).containsExactly(i < 300 ? "value:" + i : null, null, "value:0");
      }
    }
  }

  @Test
  void writesAreRefusedAndRedisIsUnchanged() {
    try (Jedis jedis = client()) {
      assertThatThrownBy(() -> jedis.set("k", "changed")).isInstanceOf(JedisDataException.class)
          .hasMessageContaining("read-only");
      assertThatThrownBy(() -> jedis.del("k")).isInstanceOf(JedisDataException.class)
          .hasMessageContaining("read-only");
      assertThatThrownBy(() -> jedis.incr("counter")).isInstanceOf(JedisDataException.class)
          .hasMessageContaining("read-only");
      assertThat(jedis.get("k")).isEqualTo("v");
    }
    try (Jedis redis = proxy.redis().client()) {
      assertThat(redis.get("k")).isEqualTo("v");
      assertThat(redis.exists("counter")).isFalse();
    }
  }

  @Test
  void connectionCommands() {
    try (Jedis jedis = client()) {
      assertThat(jedis.ping()).isEqualTo("PONG");
      assertThat(jedis.ping("hi")).isEqualTo("hi");
      assertThat(jedis.echo("x y")).isEqualTo("x y");
      assertThat(jedis.select(0)).isEqualTo("OK");
      assertThatThrownBy(() -> jedis.select(1)).isInstanceOf(JedisDataException.class)
          .hasMessageContaining("database 0 only");
      assertThat(jedis.clientGetname()).isNull();
      assertThat(jedis.clientSetname("worker-1")).isEqualTo("OK");
      assertThat(jedis.clientGetname()).isEqualTo("worker-1");
      assertThat(jedis.clientId()).isPositive();
    }
  }

  @Test
  void unknownCommandIsWordedAsRedisWordsIt() {
    try (Jedis jedis = client()) {
      assertThatThrownBy(() -> jedis.sendCommand(() -> "FROB".getBytes(StandardCharsets.US_ASCII), "a"))
          .isInstanceOf(JedisDataException.class)
          .hasMessage("ERR unknown command 'FROB', with args beginning with: 'a' ");
    }
  }

  @Test
  void infoReportsTheSharedCache() throws Exception {
    try (Jedis jedis = client()) {
      String before = jedis.info("cache");
      jedis.get("key:4");
      jedis.get("key:4");
      String after = jedis.info("cache");
      assertThat(counter(after, "cache_hits")).isGreaterThanOrEqualTo(counter(before, "cache_hits") + 1);
      assertThat(counter(after, "cache_misses")).isGreaterThanOrEqualTo(counter(before, "cache_misses"));
      assertThat(after).contains("cache_evictions:", "cache_keys:");
      assertThat(jedis.info()).contains("# Server", "redis_version:", "# Clients", "# Cache");
      assertThat(jedis.info("server")).contains("# Server").doesNotContain("# Cache");
    }
    // One cache for both front ends: the key read over RESP is a hit over HTTP.
    HttpResponse<String> res = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/get/key:4")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(res.body()).isEqualTo("value:4");
    assertThat(res.headers().firstValue("X-Cache")).hasValue("HIT");
  }

  private static long counter(String info, String name) {
    return Arrays.stream(info.split("\r\n"))
        .filter(line -> line.startsWith(name + ":"))
        .mapToLong(line -> Long.parseLong(line.substring(name.length() + 1)))
        .findFirst().orElseThrow();
  }
}
