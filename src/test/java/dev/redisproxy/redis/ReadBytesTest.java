package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link ReadBytes} lets reads of large values in: within its capacity, in order, a bounded queue. */
class ReadBytesTest {

  private final ReadBytes room = new ReadBytes(100);

  @Test
  void reservationsWithinTheCapacityGoAtOnceAndOneThatDoesNotFitWaitsForARelease() {
    Future<Long> a = room.reserve(60);
    Future<Long> b = room.reserve(40);
    Future<Long> c = room.reserve(1);
    assertThat(a.result()).isEqualTo(60);
    assertThat(b.result()).isEqualTo(40);
    assertThat(c.isComplete()).isFalse();
    room.release(a.result());
    assertThat(c.result()).isEqualTo(1);
    assertThat(room.held()).isEqualTo(41);
  }

  @Test
  void waitersGoInOrderSoASmallOneNeverOvertakesALargeOne() {
    room.reserve(90);
    Future<Long> large = room.reserve(50);
    Future<Long> small = room.reserve(5);
    assertThat(small.isComplete()).as("fits, but a larger read waits before it").isFalse();
    room.release(90);
    assertThat(large.succeeded()).isTrue();
    assertThat(small.succeeded()).isTrue();
    assertThat(room.held()).isEqualTo(55);
  }

  @Test
  void aReservationLargerThanTheCapacityIsCutToItAndRunsAlone() {
    Future<Long> huge = room.reserve(1000);
    assertThat(huge.result()).isEqualTo(100);
    Future<Long> next = room.reserve(1);
    assertThat(next.isComplete()).isFalse();
    room.release(huge.result());
    assertThat(next.result()).isEqualTo(1);
  }

  @Test
  void pastTheWaitingBoundReadsFailOverloadedAtOnce() {
    room.reserve(100);
    List<Future<Long>> waiting = new ArrayList<>();
    for (int i = 0; i < ReadBytes.MAX_WAITING; i++) {
      waiting.add(room.reserve(1));
    }
    Future<Long> refused = room.reserve(1);
    assertThat(refused.cause()).isInstanceOfSatisfying(LookupException.class,
        e -> assertThat(e.failure()).isEqualTo(Failure.OVERLOADED));
    assertThat(room.waiting()).isEqualTo(ReadBytes.MAX_WAITING);
    room.release(100);
    assertThat(waiting.subList(0, 100)).as("as many as fit, the first ones").allMatch(Future::succeeded);
    assertThat(waiting.subList(100, waiting.size())).noneMatch(Future::isComplete);
    assertThat(room.held()).isEqualTo(100);
  }
}
