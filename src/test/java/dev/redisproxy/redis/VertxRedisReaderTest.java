package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.redis.client.impl.types.ErrorType;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** How failures of vertx-redis-client are classified, without a server. */
class VertxRedisReaderTest {

  @Test
  void errorRepliesAreRedisErrors() {
    LookupException e = RedisFailures.classify(ErrorType.create("WRONGTYPE Operation against a key holding the wrong kind of value"));
    assertThat(e.failure()).isEqualTo(Failure.REDIS_ERROR);
    assertThat(e.getMessage()).startsWith("WRONGTYPE");
  }

  @Test
  void aDroppedConnectionIsUnavailableThoughTheClientReportsItLikeAnErrorReply() {
    assertThat(RedisFailures.classify(ErrorType.create("CONNECTION_CLOSED")).failure()).isEqualTo(Failure.UNAVAILABLE);
  }

  @Test
  void networkErrorsAreUnavailable() {
    assertThat(RedisFailures.classify(new ConnectException("Connection refused")).failure()).isEqualTo(Failure.UNAVAILABLE);
  }
}
