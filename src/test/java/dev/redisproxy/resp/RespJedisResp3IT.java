package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.util.KeyValue;

/** {@link RespJedisIT}'s tests with Jedis speaking RESP3 ({@code HELLO 3} when it connects). */
class RespJedisResp3IT extends RespJedisIT {

  @Override
  Jedis client() {
    return new Jedis(new HostAndPort("127.0.0.1", proxy.respPort()), DefaultJedisClientConfig.builder()
        .protocol(RedisProtocol.RESP3).socketTimeoutMillis(10_000).build());
  }

  @Test
  void theConnectionSpeaksResp3() {
    try (Jedis jedis = client()) {
      // A map of seven pairs (RESP2 would give a flat array of 14), proto 3.
      List<?> hello = (List<?>) jedis.sendCommand(Protocol.Command.HELLO);
      assertThat(hello).hasSize(7);
      KeyValue<?, ?> proto = (KeyValue<?, ?>) hello.get(2);
      assertThat(new String((byte[]) proto.getKey(), StandardCharsets.US_ASCII)).isEqualTo("proto");
      assertThat(proto.getValue()).isEqualTo(3L);
    }
  }
}
