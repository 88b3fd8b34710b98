package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.LookupException;
import dev.redisproxy.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The front ends' side of the lookup protocol, against a fake cache the test answers by hand. */
class CacheClientTest {

  private Vertx vertx;
  // Requests the fake cache received.
  private final BlockingQueue<LookupRequest> requests = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    LocalCodec.registerAll(vertx);
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private void fakeCache() {
    vertx.eventBus().<LookupRequest>localConsumer(CacheVerticle.LOOKUP, msg -> requests.add(msg.body()))
        .completion().await();
  }

  private LookupRequest nextRequest() throws InterruptedException {
    LookupRequest request = requests.poll(10, TimeUnit.SECONDS);
    assertThat(request).as("a request reached the cache").isNotNull();
    return request;
  }

  private static void answer(Vertx vertx, LookupRequest request, int i, String value) {
    LookupAnswers answers = new LookupAnswers(1);
    answers.answer(request.ticket(i), LookupReply.hit(Buffer.buffer(value), 0));
    vertx.eventBus().send(request.replyTo(), answers);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(Future<?> f) throws Exception {
    return f.transform(ar -> Future.succeededFuture(ar.cause())).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void lookupsOfOneTurnTravelAsOneRequestAndAnswersFindTheirLookups() throws Exception {
    fakeCache();
    CacheClient client = await(CacheClient.open(vertx, 60_000));
    List<String> got = new CopyOnWriteArrayList<>();
    client.runOnLoop(v -> {
      client.lookup(Key.of("a"), reply -> got.add("a=" + reply.value()));
      client.lookup(Key.of("b"), reply -> got.add("b=" + reply.value()));
    });
    LookupRequest request = nextRequest();
    assertThat(request.size()).isEqualTo(2);
    assertThat(request.key(0)).isEqualTo(Key.of("a"));
    assertThat(request.key(1)).isEqualTo(Key.of("b"));
    answer(vertx, request, 1, "B");
    answer(vertx, request, 0, "A");
    Await.until(Duration.ofSeconds(10), "both answers", () -> got.size() == 2);
    assertThat(got).containsExactly("b=B", "a=A");
    assertThat(requests).isEmpty();
  }

  @Test
  void aLookupNobodyAnswersTimesOutAndItsLateAnswerIsDropped() throws Exception {
    fakeCache();
    CacheClient client = await(CacheClient.open(vertx, 50));
    Future<LookupReply> first = client.lookup(Key.of("k"));
    LookupRequest stale = nextRequest();
    Throwable err = failureOf(first);
    assertThat(err).isInstanceOf(LookupException.class);
    assertThat(Failure.of(err)).isEqualTo(Failure.TIMEOUT);

    // The slot is reused with a new ticket: the old answer must not complete the new lookup.
    Future<LookupReply> second = client.lookup(Key.of("k"));
    LookupRequest fresh = nextRequest();
    assertThat(fresh.ticket(0)).isNotEqualTo(stale.ticket(0));
    answer(vertx, stale, 0, "old");
    answer(vertx, fresh, 0, "new");
    assertThat(await(second).value().toString()).isEqualTo("new");
  }

  @Test
  void withoutACacheEveryLookupFailsInTime() throws Exception {
    CacheClient client = await(CacheClient.open(vertx, 50));
    assertThat(Failure.of(failureOf(client.lookup(Key.of("k"))))).isEqualTo(Failure.TIMEOUT);
    assertThat(await(Future.<Integer>future(p -> client.runOnLoop(v -> p.complete(client.outstanding())))))
        .isZero();
  }

  @Test
  void pastTheBoundALookupFailsAtOnceAsOverloaded() throws Exception {
    fakeCache();
    CacheClient client = await(CacheClient.open(vertx, 60_000));
    List<LookupReply> answers = new CopyOnWriteArrayList<>();
    client.runOnLoop(v -> {
      for (int i = 0; i <= CacheClient.MAX_OUTSTANDING; i++) {
        client.lookup(Key.of("k" + i), answers::add);
      }
    });
    LookupRequest request = nextRequest();
    assertThat(request.size()).isEqualTo(CacheClient.MAX_OUTSTANDING);
    Await.until(Duration.ofSeconds(10), "the refusal", () -> answers.size() == 1);
    assertThat(answers.get(0).outcome()).isEqualTo(LookupReply.Outcome.FAILED);
    assertThat(answers.get(0).failure()).isEqualTo(Failure.OVERLOADED);
    // An answer frees a slot for the next lookup.
    answer(vertx, request, 0, "v");
    Await.until(Duration.ofSeconds(10), "the answer", () -> answers.size() == 2);
    assertThat(answers.get(1).outcome()).isEqualTo(LookupReply.Outcome.HIT);
    Future<LookupReply> next = client.lookup(Key.of("next"));
    LookupRequest after = nextRequest();
    assertThat(after.key(0)).isEqualTo(Key.of("next"));
    answer(vertx, after, 0, "n");
    assertThat(await(next).value().toString()).isEqualTo("n");
  }
}
