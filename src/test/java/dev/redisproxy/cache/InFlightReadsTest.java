package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Coalescing, the bound and settle-or-drop of {@link InFlightReads}, with reads the test completes. */
class InFlightReadsTest {

  private static final Key K = Key.of("k");

  /** Reads the test completes, what got stored, and every read's end. */
  private final class FakeSource implements InFlightReads.Source {
    final Map<Key, List<Promise<RedisValue>>> started = new HashMap<>();
    final Map<Key, String> stored = new LinkedHashMap<>();
    final List<String> ended = new ArrayList<>();
    final List<Long> sentAts = new ArrayList<>();
    boolean storable = true;

    @Override
    public Future<RedisValue> read(Key key) {
      Promise<RedisValue> p = Promise.promise();
      started.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
      return p.future();
    }

    @Override
    public boolean storable(Key key) {
      return storable;
    }

    @Override
    public void store(Key key, RedisValue value, long sentAt) {
      stored.put(key, value.found() ? value.value().toString() : "missing");
      sentAts.add(sentAt);
    }

    @Override
    public void ended(AsyncResult<RedisValue> result) {
      ended.add(result.succeeded() ? "ok" : ((LookupException) result.cause()).failure().name());
    }

    Promise<RedisValue> read(Key key, int i) {
      return started.get(key).get(i);
    }
  }

  private final FakeSource source = new FakeSource();
  private final InFlightReads reads = new InFlightReads(3, source);

  @Test
  void missesForOneKeyShareOneReadWhoseValueIsStoredBeforeAnyWaiterHearsOfIt() {
    List<String> heard = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      reads.fetch(K, 0).onSuccess(v -> heard.add(v.value() + " stored=" + source.stored.get(K)));
    }
    assertThat(source.started.get(K)).hasSize(1);
    assertThat(reads.coalesced()).isEqualTo(2);
    assertThat(reads.size()).isEqualTo(1);
    source.read(K, 0).complete(value("v"));
    assertThat(heard).containsExactly("v stored=v", "v stored=v", "v stored=v");
    assertThat(source.ended).containsExactly("ok");
    assertThat(reads.size()).isZero();
  }

  @Test
  void aFinishedReadIsNotSharedAndTheNextMissReadsAgain() {
    reads.fetch(K, 0);
    source.read(K, 0).complete(value("v"));
    reads.fetch(K, 0);
    assertThat(source.started.get(K)).hasSize(2);
    assertThat(reads.coalesced()).isZero();
  }

  @Test
  void aReadDetachedByAnInvalidationStoresNothingAndTheNextMissStartsAFreshRead() {
    Future<RedisValue> before = reads.fetch(K, 0);
    assertThat(reads.detach(K)).isTrue();
    Future<RedisValue> after = reads.fetch(K, 0);
    assertThat(source.started.get(K)).as("not joined to the detached read").hasSize(2);
    assertThat(reads.size()).as("the detached read still counts").isEqualTo(2);

    source.read(K, 0).complete(value("old"));
    assertThat(before.result().value().toString()).as("its waiters still get what it read").isEqualTo("old");
    assertThat(source.stored).as("but it is not stored").isEmpty();
    source.read(K, 1).complete(value("new"));
    assertThat(after.result().value().toString()).isEqualTo("new");
    assertThat(source.stored).containsExactly(Map.entry(K, "new"));
    assertThat(reads.size()).isZero();
  }

  @Test
  void detachAllDetachesEveryReadUnderWay() {
    reads.fetch(K, 0);
    reads.fetch(Key.of("other"), 0);
    reads.detachAll();
    assertThat(reads.detach(K)).as("nothing left to detach").isFalse();
    source.read(K, 0).complete(value("v"));
    source.read(Key.of("other"), 0).complete(value("w"));
    assertThat(source.stored).isEmpty();
    assertThat(reads.size()).isZero();
  }

  @Test
  void pastTheBoundAMissFailsAtOnceAsOverloadedAndDetachedReadsCount() {
    reads.fetch(Key.of("a"), 0);
    reads.fetch(Key.of("b"), 0);
    reads.detach(Key.of("b"));
    reads.fetch(Key.of("c"), 0);
    Future<RedisValue> refused = reads.fetch(Key.of("d"), 0);
    assertThat(refused.cause()).isInstanceOfSatisfying(LookupException.class,
        e -> assertThat(e.failure()).isEqualTo(Failure.OVERLOADED));
    assertThat(source.started).doesNotContainKey(Key.of("d"));
    assertThat(reads.rejected()).isEqualTo(1);
    assertThat(reads.fetch(Key.of("a"), 0).isComplete()).as("joining a read under way needs no room").isFalse();

    source.read(Key.of("b"), 0).complete(RedisValue.MISSING);
    assertThat(reads.fetch(Key.of("d"), 0).isComplete()).as("room again once the detached read ended").isFalse();
  }

  @Test
  void aReadStartedWhileNothingMayBeStoredIsNotStoredEvenIfThatChangesBeforeItEnds() {
    source.storable = false;
    reads.fetch(K, 0);
    source.storable = true;
    source.read(K, 0).complete(value("v"));
    assertThat(source.stored).isEmpty();
  }

  @Test
  void aFailedReadStoresNothingAndAMissingKeyIsHandedToStoreWithTheTimeTheReadWasSent() {
    Future<RedisValue> failed = reads.fetch(K, 5);
    reads.fetch(K, 6);
    source.read(K, 0).fail(new LookupException(Failure.TIMEOUT, "Redis did not answer"));
    assertThat(failed.cause()).hasMessage("Redis did not answer");
    assertThat(source.stored).isEmpty();
    Future<RedisValue> missing = reads.fetch(K, 7);
    reads.fetch(K, 8);
    source.read(K, 1).complete(RedisValue.MISSING);
    assertThat(missing.result().found()).isFalse();
    assertThat(source.stored).containsExactly(Map.entry(K, "missing"));
    assertThat(source.sentAts).as("the time of the miss that started the read").containsExactly(7L);
    assertThat(source.ended).containsExactly("TIMEOUT", "ok");
  }

  private static RedisValue value(String s) {
    return RedisValue.of(Buffer.buffer(s));
  }
}
