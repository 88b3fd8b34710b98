package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.testing.ProxyFixture;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * Lettuce, unchanged, pointed at the proxy. Lettuce opens with {@code HELLO 3} and speaks RESP3
 * by default; {@link RespLettuceResp2IT} runs the same tests with Lettuce held to RESP2.
 */
class RespLettuceIT {

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp();
  static RedisClient client;

  // The protocol Lettuce is told to speak.
  static ProtocolVersion protocol;

  @BeforeAll
  static void start() throws Exception {
    start(ProtocolVersion.RESP3);
  }

  static void start(ProtocolVersion version) throws Exception {
    protocol = version;
    try (Jedis redis = proxy.redis().client()) {
      for (int i = 0; i < 100; i++) {
        redis.set("lk:" + i, "lv:" + i);
      }
    }
    proxy.redis().set("bin".getBytes(), new byte[] {0, '\r', '\n', (byte) 0x80});
    RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(proxy.respPort())
        .withTimeout(Duration.ofSeconds(10)).withClientName("lettuce-it").build();
    client = RedisClient.create(uri);
    client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.shutdown(0, 5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theConnectionSpeaksTheProtocolLettuceWasToldTo() {
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThat(((StatefulRedisConnectionImpl<?, ?>) conn).getConnectionState().getNegotiatedProtocolVersion())
          .isEqualTo(protocol);
    }
  }

  @Test
  void syncCommands() {
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> redis = conn.sync();
      assertThat(redis.ping()).isEqualTo("PONG");
      assertThat(redis.get("lk:1")).isEqualTo("lv:1");
      assertThat(redis.get("lk:1")).isEqualTo("lv:1");
      assertThat(redis.get("missing")).isNull();
      assertThat(redis.mget("lk:2", "missing", "lk:3"))
          .containsExactly(KeyValue.just("lk:2", "lv:2"), KeyValue.empty("missing"), KeyValue.just("lk:3", "lv:3"));
      assertThat(redis.clientGetname()).isEqualTo("lettuce-it");
      assertThat(redis.info("cache")).contains("cache_hits:");
    }
  }

  @Test
  void binaryValue() {
    try (StatefulRedisConnection<byte[], byte[]> conn = client.connect(ByteArrayCodec.INSTANCE)) {
      assertThat(conn.sync().get("bin".getBytes())).isEqualTo(new byte[] {0, '\r', '\n', (byte) 0x80});
    }
  }

  @Test
  void asyncPipelineInOrder() {
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisAsyncCommands<String, String> redis = conn.async();
      conn.setAutoFlushCommands(false);
      List<RedisFuture<String>> futures = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        futures.add(redis.get("lk:" + (i % 200)));
      }
      conn.flushCommands();
      assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), futures.toArray(new RedisFuture[0]))).isTrue();
      for (int i = 0; i < 1000; i++) {
        int n = i % 200;
        assertThat(futures.get(i).toCompletableFuture().join()).isEqualTo(n < 100 ? "lv:" + n : null);
      }
    }
  }

  @Test
  void writesRefused() {
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      assertThatThrownBy(() -> conn.sync().set("lk:1", "x")).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessageContaining("read-only");
    }
    try (Jedis redis = proxy.redis().client()) {
      assertThat(redis.get("lk:1")).isEqualTo("lv:1");
    }
  }
}
