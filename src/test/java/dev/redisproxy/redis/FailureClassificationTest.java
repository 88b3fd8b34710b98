package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.impl.types.ErrorType;
import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What each kind of vertx-redis-client failure becomes, without a Redis. */
class FailureClassificationTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "WRONGTYPE Operation against a key holding the wrong kind of value|REDIS_ERROR",
      "NOPERM No permissions to access a key|REDIS_ERROR",
      "NOPERM this user has no permissions to run the 'get' command|REDIS_ERROR",
      "NOPERM this user has no permissions to run the 'getrange' command|REDIS_ERROR",
      "NOPERM this user has no permissions to run the 'pttl' command|REDIS_ERROR",
      "ERR unknown command|REDIS_ERROR",
      "LOADING Redis is loading the dataset in memory|UNAVAILABLE",
      "BUSY Redis is busy running a script|UNAVAILABLE",
      "MASTERDOWN Link with MASTER is down|UNAVAILABLE",
      "CLUSTERDOWN The cluster is down|UNAVAILABLE",
      "TRYAGAIN Multiple keys request during rehashing of slot|UNAVAILABLE",
      "WRONGPASS invalid username-password pair or user is disabled.|UNAVAILABLE",
      "NOAUTH Authentication required.|UNAVAILABLE",
      "NOPERM this user has no permissions to run the 'select' command|UNAVAILABLE",
      "ERR DB index is out of range|UNAVAILABLE",
  })
  void errorReplies(String reply, Failure expected) {
    assertThat(RedisFailures.classify(ErrorType.create(reply)).failure()).isEqualTo(expected);
  }

  @Test
  void refusedCredentialsAndSetUpAreNamedAsSuch() {
    assertThat(RedisFailures.classify(ErrorType.create("WRONGPASS invalid username-password pair")).getMessage())
        .startsWith(RedisFailures.Problem.CREDENTIALS.summary);
    assertThat(RedisFailures.classify(ErrorType.create("NOPERM this user has no permissions to run the 'select' command"))
        .getMessage()).startsWith(RedisFailures.Problem.SET_UP.summary);
    // Sentinel and Cluster list each endpoint's failure on its own line.
    LookupException listed = RedisFailures.classify(new ConnectException(
        "Cannot connect to any of the provided endpoints\n- WRONGPASS invalid username-password pair\n- Connection refused"));
    assertThat(listed.failure()).isEqualTo(Failure.UNAVAILABLE);
    assertThat(listed.getMessage()).startsWith(RedisFailures.Problem.CREDENTIALS.summary).doesNotContain("\n")
        .endsWith("endpoints; WRONGPASS invalid username-password pair; Connection refused");
  }

  @Test
  void connectionProblemsTlsAndOverload() {
    assertThat(RedisFailures.classify(new ConnectException("Connection refused: /127.0.0.1:6379")).failure())
        .isEqualTo(Failure.UNAVAILABLE);
    LookupException tls = RedisFailures.classify(new VertxException("Failed to create SSL connection",
        new SSLHandshakeException("PKIX path building failed")));
    assertThat(tls.failure()).isEqualTo(Failure.UNAVAILABLE);
    assertThat(tls.getMessage()).isEqualTo(RedisFailures.Problem.TLS.summary + ": PKIX path building failed");
    assertThat(RedisFailures.classify(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 24"))
        .failure()).isEqualTo(Failure.OVERLOADED);
  }
}
