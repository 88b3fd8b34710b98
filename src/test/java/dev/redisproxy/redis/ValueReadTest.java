package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import ch.qos.logback.classic.Level;
import dev.redisproxy.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link ValueRead} makes of the answers to its commands, including the races a real Redis
 * cannot be made to show on demand (a key deleted or created between GETRANGE and PTTL), against a
 * connection whose answers the test scripts.
 */
class ValueReadTest {

  private static final long MAX = 10;
  private static final Key K = Key.of("k");

  private final ValueRead reads = new ValueRead(MAX);
  private final Deque<ValueRead.Found> answers = new ArrayDeque<>();
  // Each round trip's value command: "GETRANGE 0 <last>" or "GET".
  private final List<String> sent = new ArrayList<>();
  private final ValueRead.Connection connection = (key, last) -> {
    sent.add(last < 0 ? "GET" : "GETRANGE 0 " + last);
    return Future.succeededFuture(answers.poll());
  };

  private Future<RedisValue> read(ValueRead.Found... scripted) {
    answers.addAll(List.of(scripted));
    return reads.read(connection, K);
  }

  private static ValueRead.Found found(String value, long pttl) {
    return new ValueRead.Found(value == null ? null : Buffer.buffer(value), pttl);
  }

  @Test
  void aValueAndItsTimeToLiveInOneRoundTripBoundedByGetrange() {
    RedisValue v = read(found("abc", 1500)).result();
    assertThat(v.value().toString()).isEqualTo("abc");
    assertThat(v.ttlMillis()).isEqualTo(1500);
    assertThat(sent).containsExactly("GETRANGE 0 " + MAX);
  }

  @Test
  void aKeyWithoutTimeToLiveIsNoTtl() {
    assertThat(read(found("abc", -1)).result().ttlMillis()).isEqualTo(RedisValue.NO_TTL);
  }

  @Test
  void pttlMinusTwoIsMissingWhateverGetrangeSaw() {
    // Missing, or deleted (expired) between GETRANGE and PTTL: missing is what was true at the PTTL.
    assertThat(read(found("", -2)).result()).isSameAs(RedisValue.MISSING);
    assertThat(read(found("abc", -2)).result()).isSameAs(RedisValue.MISSING);
    assertThat(sent).hasSize(2).allMatch(c -> c.startsWith("GETRANGE"));
  }

  @Test
  void anEmptyAnswerOfAnExistingKeyIsReadOnceMoreWithGet() {
    RedisValue empty = read(found("", -1), found("", -1)).result();
    assertThat(empty.found()).isTrue();
    assertThat(empty.value().length()).isZero();
    assertThat(sent).containsExactly("GETRANGE 0 " + MAX, "GET");
  }

  @Test
  void aKeyCreatedBetweenGetrangeAndPttlIsTheValueGetReads() {
    RedisValue created = read(found("", 5000), found("new", 4999)).result();
    assertThat(created.value().toString()).isEqualTo("new");
    assertThat(created.ttlMillis()).isEqualTo(4999);
  }

  @Test
  void aKeyGoneBeforeTheSecondReadIsMissing() {
    assertThat(read(found("", -1), found(null, -2)).result()).isSameAs(RedisValue.MISSING);
    assertThat(read(found("", -1), found("", -2)).result()).isSameAs(RedisValue.MISSING);
  }

  @Test
  void aValueOfExactlyTheMaximumIsReadAndOneByteMoreIsTooLarge() {
    assertThat(read(found("x".repeat((int) MAX), -1)).result().value().length()).isEqualTo(MAX);
    Future<RedisValue> tooLarge = read(found("x".repeat((int) MAX + 1), -1));
    assertThat(tooLarge.failed()).isTrue();
    LookupException e = (LookupException) tooLarge.cause();
    assertThat(e.failure()).isEqualTo(Failure.TOO_LARGE);
    assertThat(e.getMessage()).isEqualTo("value larger than 10 bytes, the most this proxy reads");
  }

  @Test
  void aValueGrownTooLargeBetweenTheTwoReadsIsRefusedToo() {
    Future<RedisValue> grown = read(found("", -1), found("x".repeat((int) MAX + 5), -1));
    assertThat(((LookupException) grown.cause()).failure()).isEqualTo(Failure.TOO_LARGE);
  }

  @Test
  void aTooLargeValueIsLoggedOncePerKey() {
    try (LogCapture log = new LogCapture(ValueRead.class)) {
      for (int i = 0; i < 3; i++) {
        read(found("x".repeat((int) MAX + 1), -1));
      }
      answers.add(found("x".repeat((int) MAX + 1), -1));
      reads.read(connection, Key.of("other"));
      assertThat(log.messages(Level.WARN)).hasSize(2);
      assertThat(log.messages(Level.WARN).get(0)).contains("Key k ").contains("larger than 10 bytes");
    }
  }

  @Test
  void failuresOfTheRoundTripPassThrough() {
    LookupException wrongType = RedisFailures.errorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
    ValueRead.Connection failing = (key, last) -> Future.failedFuture(wrongType);
    assertThat(reads.read(failing, K).cause()).isSameAs(wrongType);
  }

  @Test
  void theMaximumIsCappedAtRedissOwnLimitOnAString() {
    assertThat(new ValueRead(Long.MAX_VALUE).maxValue()).isEqualTo(ValueRead.MAX_VALUE_CAP);
  }
}
