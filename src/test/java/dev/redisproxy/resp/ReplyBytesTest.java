package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.frontend.ReplyBudget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a RESP connection counts against its bound and its instance's budget, and how an MGET
 * streams: without a socket, with the accounting driven by hand as the connection drives it.
 */
class ReplyBytesTest {

  private static final int BOUND = ReplyBytes.MAX_QUEUED_BYTES;
  /** A budget far larger than any test's bytes. */
  private static final long BIG = 1L << 40;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RespOutcomes outcomes = new RespOutcomes(registry.counter("ok"), registry.counter("redis_error"),
      registry.counter("unavailable"));

  @Test
  void newConnectionsFirstLookupsReserveWhatTheInstanceHasSeenSoAColdBurstIsBounded() {
    ReplyBudget budget = new ReplyBudget(1L << 30);
    long first = budget.max() / ReplyBudget.FIRST_SHARE;
    List<ReplyBytes> fresh = new ArrayList<>();
    for (int i = 0; i < ReplyBudget.FIRST_SHARE; i++) {
      ReplyBytes conn = new ReplyBytes(budget);
      fresh.add(conn);
      assertThat(conn.mayLookUp()).as("cold connection %d", i).isTrue();
      assertThat(conn.reserve()).as("nothing seen yet: an eighth of the budget").isEqualTo(first);
    }
    assertThat(new ReplyBytes(budget).mayLookUp()).as("a seventeenth cold connection").isFalse();
    fresh.get(0).answered(first, 10);
    fresh.get(0).unhold(10);
    assertThat(new ReplyBytes(budget).reserve()).as("after one small answer: half that").isEqualTo(first / 2);
  }

  @Test
  void aFreshConnectionLooksUpOneKeyThenMoreAsSmallAnswersComeBack() {
    ReplyBytes bytes = new ReplyBytes(new ReplyBudget(BIG));
    assertThat(inFlightAllowed(bytes)).as("first lookup, values unknown").isEqualTo(1);
    for (int i = 0; i < Integer.numberOfTrailingZeros(Lookups.MAX_IN_FLIGHT); i++) {
      long r = bytes.reserve();
      bytes.answered(r, 10);
      bytes.unhold(10);
    }
    assertThat(inFlightAllowed(bytes)).as("after eight small answers").isEqualTo(Lookups.MAX_IN_FLIGHT);
  }

  @Test
  void aLargeAnswerMakesTheNextLookupsGoOneAtATime() {
    ReplyBytes bytes = new ReplyBytes(new ReplyBudget(BIG));
    long r = bytes.reserve();
    bytes.answered(r, 4L * BOUND);
    assertThat(bytes.mayLookUp()).as("holding four times the bound").isFalse();
    bytes.unhold(4L * BOUND);
    bytes.writing(4L * BOUND);
    assertThat(bytes.socketFull()).isTrue();
    bytes.written(4L * BOUND);
    assertThat(bytes.queued()).isZero();
    assertThat(inFlightAllowed(bytes)).as("the estimate is now the large value").isEqualTo(1);
  }

  @Test
  void everyByteCountedIsGivenBackToTheBudget() {
    ReplyBudget budget = new ReplyBudget(BIG);
    ReplyBytes bytes = new ReplyBytes(budget);
    long r1 = bytes.reserve();
    assertThat(budget.queued()).isEqualTo(r1);
    bytes.answered(r1, 100);
    bytes.writing(60);
    bytes.written(60);
    long r2 = bytes.reserve();
    bytes.answered(r2, 0);
    assertThat(budget.queued()).as("the 100 bytes answered, still held").isEqualTo(100);
    bytes.dropHeld();
    assertThat(budget.queued()).isZero();
  }

  @Test
  void aSpentBudgetStopsLookupsAndWakesEachWaiterOnceWhenThereIsRoom() {
    ReplyBudget budget = new ReplyBudget(BOUND);
    ReplyBytes slow = new ReplyBytes(budget);
    ReplyBytes other = new ReplyBytes(budget);
    slow.writing(BOUND);
    assertThat(other.mayLookUp()).isFalse();
    List<String> woken = new ArrayList<>();
    budget.await(() -> woken.add("other"));
    slow.written(BOUND / 2);
    assertThat(woken).containsExactly("other");
    slow.written(BOUND / 2);
    assertThat(woken).containsExactly("other");
    assertThat(other.mayLookUp()).isTrue();
  }

  @Test
  void theBudgetIsAnEighthOfTheHeapSplitOverTheFrontEndInstances() {
    assertThat(ReplyBudget.forInstance(192L << 20, 1).max()).isEqualTo(12L << 20);
    assertThat(ReplyBudget.forInstance(192L << 20, 4).max()).isEqualTo(3L << 20);
  }

  @Test
  void anMgetStreamsItsAnsweredValuesInOrderAndALaterFailureIsAnErrorElement() {
    KeysReply mget = keysReply(true, "MGET", "a", "b", "c", "d");
    int a = mget.nextToSend();
    int b = mget.nextToSend();
    int c = mget.nextToSend();
    int d = mget.nextToSend();
    assertThat(mget.answer(b, value(RespConnection.STREAM_BYTES))).isEqualTo(RespConnection.STREAM_BYTES);
    assertThat(mget.streamable(RespConnection.STREAM_BYTES)).isTrue();
    RespWriter out = new RespWriter();
    mget.writeAnswered(out);
    assertThat(text(out)).as("a is not answered: nothing but the header may go").isEqualTo("*4\r\n");
    mget.answer(a, Buffer.buffer("A"));
    mget.writeAnswered(out);
    assertThat(text(out)).startsWith("$1\r\nA\r\n$" + RespConnection.STREAM_BYTES + "\r\n");
    assertThat(mget.heldBytes()).as("written values are not held").isZero();
    mget.fail(c, Failure.TIMEOUT, RespEncoder.error("UNAVAILABLE Redis timed out"));
    assertThat(mget.ready()).isFalse();
    mget.answer(d, null);
    assertThat(mget.ready()).isTrue();
    mget.writeTo(out);
    assertThat(text(out)).isEqualTo("-UNAVAILABLE Redis timed out\r\n$-1\r\n");
    assertThat(registry.counter("unavailable").count()).isEqualTo(1);
    assertThat(registry.counter("ok").count()).isZero();
  }

  @Test
  void anMgetUnderABatchIsWrittenWholeAndFailsWhole() {
    KeysReply mget = keysReply(true, "MGET", "a", "b");
    int a = mget.nextToSend();
    int b = mget.nextToSend();
    mget.answer(a, Buffer.buffer("A"));
    assertThat(mget.streamable(RespConnection.STREAM_BYTES)).isFalse();
    mget.fail(b, Failure.UNAVAILABLE, RespEncoder.error("UNAVAILABLE Redis unavailable: down"));
    RespWriter out = new RespWriter();
    mget.writeTo(out);
    assertThat(text(out)).isEqualTo("-UNAVAILABLE Redis unavailable: down\r\n");
  }

  /** How many lookups the connection would send in a row now, none answered, up to the most in flight. */
  private static int inFlightAllowed(ReplyBytes bytes) {
    List<Long> reserved = new ArrayList<>();
    while (reserved.size() < Lookups.MAX_IN_FLIGHT && bytes.mayLookUp()) {
      reserved.add(bytes.reserve());
    }
    for (long r : reserved) {
      bytes.answered(r, 0);
    }
    return reserved.size();
  }

  private KeysReply keysReply(boolean array, String... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return new KeysReply(new RespCommand(bytes), array, Protocol.RESP2, outcomes);
  }

  private static Buffer value(int length) {
    return Buffer.buffer(new byte[length]);
  }

  private static String text(RespWriter out) {
    Buffer b = out.take();
    return b == null ? "" : b.toString(StandardCharsets.ISO_8859_1);
  }
}
