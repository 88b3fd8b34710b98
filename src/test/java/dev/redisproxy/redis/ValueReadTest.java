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

  /** A reader whose first reads ask for 4 bytes, values up to 100, room for 15 bytes of large values. */
  private final ReadBytes room = new ReadBytes(15);
  private final ValueRead tiered = new ValueRead(100, 4, room);
  private final Deque<Long> lengths = new ArrayDeque<>();
  // Futures of round trips the test completes itself, when it wants to hold a read in flight.
  private final Deque<io.vertx.core.Promise<ValueRead.Found>> held = new ArrayDeque<>();
  private boolean hold;
  private final ValueRead.Connection measuring = new ValueRead.Connection() {
    @Override
    public Future<ValueRead.Found> valueAndTtl(byte[] key, long last) {
      sent.add(last < 0 ? "GET" : "GETRANGE 0 " + last);
      if (hold && last > 4) {
        io.vertx.core.Promise<ValueRead.Found> p = io.vertx.core.Promise.promise();
        held.add(p);
        return p.future();
      }
      return Future.succeededFuture(answers.poll());
    }

    @Override
    public Future<Long> length(byte[] key) {
      sent.add("STRLEN");
      return Future.succeededFuture(lengths.poll());
    }
  };

  @Test
  void aSmallValueTakesOneRoundTripOfAtMostTheFirstReadsSize() {
    answers.add(found("abcd", -1));
    assertThat(tiered.read(measuring, K).result().value().toString()).isEqualTo("abcd");
    assertThat(sent).containsExactly("GETRANGE 0 4");
  }

  @Test
  void aLargeValueIsMeasuredThenReadWholeOnceRoomForItIsReserved() {
    answers.addAll(List.of(found("abcde", -1), found("abcdefghij", 900)));
    lengths.add(10L);
    RedisValue v = tiered.read(measuring, K).result();
    assertThat(v.value().toString()).isEqualTo("abcdefghij");
    assertThat(v.ttlMillis()).isEqualTo(900);
    assertThat(sent).containsExactly("GETRANGE 0 4", "STRLEN", "GETRANGE 0 10");
    assertThat(room.held()).as("given back").isZero();
  }

  @Test
  void largeReadsBeyondTheRoomWaitUntilOneIsAnswered() {
    hold = true;
    answers.addAll(List.of(found("xxxxx", -1), found("yyyyy", -1)));
    lengths.addAll(List.of(10L, 10L));
    Future<RedisValue> first = tiered.read(measuring, K);
    Future<RedisValue> second = tiered.read(measuring, Key.of("other"));
    // Each reserves 10 + 1 = 11 of 15 bytes: the second read is not sent before the first is answered.
    assertThat(held).hasSize(1);
    assertThat(room.waiting()).isEqualTo(1);
    held.poll().complete(found("x".repeat(10), -1));
    assertThat(first.result().value().length()).isEqualTo(10);
    assertThat(held).hasSize(1);
    held.poll().complete(found("y".repeat(10), -1));
    assertThat(second.result().value().toString()).isEqualTo("y".repeat(10));
    assertThat(room.held()).isZero();
  }

  @Test
  void aValueLongerThanTheMaximumByItsLengthIsRefusedWithoutBeingRead() {
    answers.add(found("abcde", -1));
    lengths.add(101L);
    Future<RedisValue> refused = tiered.read(measuring, K);
    assertThat(((LookupException) refused.cause()).failure()).isEqualTo(Failure.TOO_LARGE);
    assertThat(sent).containsExactly("GETRANGE 0 4", "STRLEN");
  }

  @Test
  void aValueThatGrewSinceItsLengthWasAskedIsMeasuredAgain() {
    answers.addAll(List.of(found("abcde", -1), found("x".repeat(11), -1), found("x".repeat(12), -1)));
    lengths.addAll(List.of(10L, 12L));
    assertThat(tiered.read(measuring, K).result().value().length()).isEqualTo(12);
    assertThat(sent).containsExactly("GETRANGE 0 4", "STRLEN", "GETRANGE 0 10", "STRLEN", "GETRANGE 0 12");
  }

  @Test
  void aValueGrowingAtEachReadFailsAfterThreeAttempts() {
    answers.add(found("abcde", -1));
    for (int i = 0; i < ValueRead.LARGE_ATTEMPTS; i++) {
      lengths.add(10L + i);
      answers.add(found("x".repeat(12 + i), -1));
    }
    Future<RedisValue> failed = tiered.read(measuring, K);
    assertThat(((LookupException) failed.cause()).failure()).isEqualTo(Failure.UNAVAILABLE);
    assertThat(failed.cause()).hasMessageContaining("grew each of 3 times");
    assertThat(room.held()).isZero();
  }

  @Test
  void aConnectionThatCannotAskALengthReservesForTheLargestValue() {
    answers.addAll(List.of(found("abcde", -1), found("abcdefgh", -1)));
    ValueRead.Connection plain = (key, last) -> {
      sent.add("GETRANGE 0 " + last);
      return Future.succeededFuture(answers.poll());
    };
    assertThat(tiered.read(plain, K).result().value().toString()).isEqualTo("abcdefgh");
    assertThat(sent).containsExactly("GETRANGE 0 4", "GETRANGE 0 100");
  }

  @Test
  void theMaximumIsCappedAtRedissOwnLimitOnAString() {
    assertThat(new ValueRead(Long.MAX_VALUE).maxValue()).isEqualTo(ValueRead.MAX_VALUE_CAP);
  }
}
