package dev.redisproxy.cache;

import dev.redisproxy.testing.Await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The cache verticle on a real event bus, with a fake Redis and a fake clock. */
@ExtendWith(VertxExtension.class)
class CacheVerticleTest {

  private static final Key K = Key.of("k");

  private final FakeRedisReader redis = new FakeRedisReader();
  private final FakeTicker ticker = new FakeTicker();
  private Vertx vertx;
  private CacheClient client;

  @BeforeEach
  void setUp() {
    // A low limit makes any blocking of the event loop show up as a warning with a stack trace.
    vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(50).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private void deploy(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(Map.of("CACHE_TTL", "10s", "CACHE_MAXSIZE", "2", "REDIS_TIMEOUT", "200ms"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    vertx.deployVerticle(new CacheVerticle(config, v -> redis, ticker)).await();
    client = CacheClient.open(vertx, 60_000).await();
  }

  private Future<LookupReply> lookup(Key key) {
    return client.lookup(key);
  }

  private <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private CacheStats stats() throws Exception {
    return vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null).map(Message::body)
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void missReadsRedisOnceThenHitsServeTheStoredBytesWithoutCopying() throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v1"));
    LookupReply first = await(lookup(K));
    assertThat(first.outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(first.value().toString()).isEqualTo("v1");
    redis.data.put(K, Buffer.buffer("v2"));
    LookupReply second = await(lookup(K));
    LookupReply third = await(lookup(K));
    assertThat(second.outcome()).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(second.value().toString()).isEqualTo("v1");
    assertThat(backingArray(third.value())).as("every hit wraps the one stored array, none copies it")
        .isSameAs(backingArray(second.value()));
    assertThat(redis.reads(K)).isEqualTo(1);
    assertThat(stats()).extracting(CacheStats::hits, CacheStats::misses, CacheStats::keys).containsExactly(2L, 1L, 1);
  }

  @Test
  void theStoredValueIsACopyThatLaterChangesToRedissBufferDoNotReach() throws Exception {
    deploy(Map.of());
    Buffer fromRedis = Buffer.buffer(new byte[] {'v', 0, '\r', '\n', (byte) 0xff});
    redis.data.put(K, fromRedis);
    await(lookup(K));
    fromRedis.setByte(0, (byte) 'X');
    assertThat(await(lookup(K)).value().getBytes()).containsExactly('v', 0, '\r', '\n', 0xff);
  }

  private static byte[] backingArray(Buffer b) {
    return ((BufferInternal) b).getByteBuf().array();
  }

  @Test
  void lookupsOfOneTurnAreAnsweredInOneMessageWithOneReadPerKey() throws Exception {
    deploy(Map.of("CACHE_MAXSIZE", "10"));
    redis.data.put(Key.of("a"), Buffer.buffer("A"));
    redis.data.put(Key.of("b"), Buffer.buffer("B"));
    await(lookup(Key.of("a")));
    Answers answers = lookupInOneTurn(Key.of("a"), Key.of("b"), Key.of("missing"), Key.of("b"));
    assertThat(answers.replies).extracting(LookupReply::outcome).containsExactly(
        LookupReply.Outcome.HIT, LookupReply.Outcome.MISS, LookupReply.Outcome.NOT_FOUND, LookupReply.Outcome.HIT);
    assertThat(answers.replies[0].value().toString()).isEqualTo("A");
    assertThat(answers.replies[1].value().toString()).isEqualTo("B");
    assertThat(answers.replies[3].value().toString()).isEqualTo("B");
    assertThat(redis.reads(Key.of("b"))).as("this fake answers at once, so the second b hits what the first stored")
        .isEqualTo(1);
    assertThat(answers.deliveries).as("one message carried every answer").isEqualTo(1);
    assertThat(stats()).extracting(CacheStats::hits, CacheStats::misses).containsExactly(2L, 3L);
  }

  @Test
  void aFailedKeyFailsOnlyItselfAndASlowOneHoldsNoOtherAnswerBack() throws Exception {
    deploy(Map.of("REDIS_TIMEOUT", "30s"));
    redis.data.put(K, Buffer.buffer("v"));
    await(lookup(K));
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    Answers failed = lookupInOneTurn(Key.of("down"), K);
    assertThat(failed.replies[0].outcome()).isEqualTo(LookupReply.Outcome.FAILED);
    assertThat(failed.replies[0].failure()).isEqualTo(Failure.UNAVAILABLE);
    assertThat(failed.replies[0].message()).isEqualTo("Connection refused");
    assertThat(failed.replies[1].outcome()).isEqualTo(LookupReply.Outcome.HIT);

    redis.heal();
    redis.hold();
    Future<LookupReply> slow = lookup(Key.of("slow"));
    awaitCondition(() -> redis.pending() == 1);
    assertThat(await(lookup(K)).outcome()).as("a hit while another key waits for Redis").isEqualTo(LookupReply.Outcome.HIT);
    assertThat(slow.isComplete()).isFalse();
    redis.releaseAll();
    assertThat(await(slow)).isSameAs(LookupReply.NOT_FOUND);
  }

  /** Looks the keys up in one turn of the client's event loop, and waits for every answer. */
  private Answers lookupInOneTurn(Key... keys) throws Exception {
    Answers answers = new Answers(keys.length);
    vertx.eventBus().addInboundInterceptor(answers::count);
    client.runOnLoop(v -> {
      for (int i = 0; i < keys.length; i++) {
        int index = i;
        client.lookup(keys[i], reply -> answers.answered(index, reply));
      }
    });
    await(answers.all.future());
    return answers;
  }

  /** Records the answers to lookups made by {@link #lookupInOneTurn}, and how many messages brought them. */
  private static final class Answers {
    final LookupReply[] replies;
    final io.vertx.core.Promise<LookupReply> all = io.vertx.core.Promise.promise();
    int answered;
    volatile int deliveries;

    Answers(int n) {
      replies = new LookupReply[n];
    }

    void answered(int index, LookupReply reply) {
      replies[index] = reply;
      if (++answered == replies.length) {
        all.complete();
      }
    }

    /** An event-bus interceptor: counts the answer messages on their way to the client. */
    void count(io.vertx.core.eventbus.DeliveryContext<Object> ctx) {
      if (ctx.body() instanceof LookupAnswers) {
        deliveries++;
      }
      ctx.next();
    }
  }

  @Test
  void aReadCompletedOnAForeignThreadIsStillHandledOnTheEventLoop() throws Exception {
    java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Ticker recording = () -> {
      threads.add(Thread.currentThread().getName());
      return ticker.nanos();
    };
    ProxyConfig config = ConfigLoader.load(null, Map.of("REDIS_TIMEOUT", "5s"));
    vertx.deployVerticle(new CacheVerticle(config, v -> redis, recording)).await();
    client = CacheClient.open(vertx, 60_000).await();
    redis.data.put(K, Buffer.buffer("v"));
    redis.hold();
    redis.unboundFutures();
    Future<LookupReply> first = lookup(K);
    awaitCondition(() -> redis.pending() == 1);
    redis.releaseFromThisThread(K);
    assertThat(await(first).value().toString()).isEqualTo("v");
    assertThat(await(lookup(K)).outcome()).as("stored by the read").isEqualTo(LookupReply.Outcome.HIT);
    assertThat(threads).as("the cache was only touched on an event loop").allMatch(t -> t.startsWith("vert.x-eventloop"));
  }

  @Test
  void missingKeyIsNotFoundAndNotCached() throws Exception {
    deploy(Map.of());
    assertThat(await(lookup(K))).isSameAs(LookupReply.NOT_FOUND);
    assertThat(await(lookup(K))).isSameAs(LookupReply.NOT_FOUND);
    assertThat(redis.reads(K)).isEqualTo(2);
  }

  @Test
  void concurrentMissesShareOneRead(VertxTestContext ctx) throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v"));
    redis.hold();
    List<Future<LookupReply>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(lookup(K));
    }
    awaitCondition(() -> redis.pending() == 1 && stats().coalesced() == 19);
    redis.release(K);
    Future.all(replies).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      for (Future<LookupReply> r : replies) {
        assertThat(r.result().outcome()).isEqualTo(LookupReply.Outcome.MISS);
        assertThat(r.result().value().toString()).isEqualTo("v");
      }
      assertThat(redis.reads(K)).isEqualTo(1);
      ctx.completeNow();
    })));
  }

  /** A slow Redis: every lookup waiting on the one read gets the timeout, none is left hanging. */
  @Test
  void everyWaiterOfAReadThatTimesOutGetsTheTimeout() throws Exception {
    deploy(Map.of("REDIS_TIMEOUT", "2s"));
    redis.hold();
    List<Future<LookupReply>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(lookup(K));
    }
    awaitCondition(() -> redis.pending() == 1 && stats().coalesced() == 19);
    for (Future<LookupReply> r : replies) {
      assertThat(Failure.of(failureOf(r))).isEqualTo(Failure.TIMEOUT);
    }
    assertThat(stats()).extracting(CacheStats::inFlight, CacheStats::redisTimeouts).containsExactly(0, 1L);
  }

  @Test
  void aReadThatOutlivesRedisTimeoutFailsWithTimeout() throws Exception {
    deploy(Map.of());
    redis.hold();
    Throwable err = failureOf(lookup(K));
    assertThat(Failure.of(err)).isEqualTo(Failure.TIMEOUT);
    assertThat(stats().inFlight()).as("the timed-out read no longer blocks new ones").isZero();
  }

  @Test
  void redisErrorsAreReportedAsSuch() throws Exception {
    deploy(Map.of());
    redis.failWith(Failure.REDIS_ERROR, "WRONGTYPE Operation against a key holding the wrong kind of value");
    Throwable err = failureOf(lookup(K));
    assertThat(Failure.of(err)).isEqualTo(Failure.REDIS_ERROR);
    assertThat(err.getMessage()).startsWith("WRONGTYPE");
  }

  @Test
  void unavailableRedisFailsButCachedKeysAreStillServed() throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v"));
    await(lookup(K));
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    assertThat(await(lookup(K)).outcome()).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(Failure.of(failureOf(lookup(Key.of("other"))))).isEqualTo(Failure.UNAVAILABLE);
  }

  @Test
  void expiredEntriesAreReadAgain() throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v1"));
    await(lookup(K));
    redis.data.put(K, Buffer.buffer("v2"));
    ticker.advance(Duration.ofSeconds(9));
    assertThat(await(lookup(K)).value().toString()).isEqualTo("v1");
    ticker.advance(Duration.ofSeconds(1));
    LookupReply after = await(lookup(K));
    assertThat(after.outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(after.value().toString()).isEqualTo("v2");
  }

  @Test
  void capacityZeroPassesEveryReadThrough() throws Exception {
    deploy(Map.of("CACHE_MAXSIZE", "0"));
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(await(lookup(K)).outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(await(lookup(K)).outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(redis.reads(K)).isEqualTo(2);
    assertThat(stats().keys()).isZero();
  }

  @Test
  void readsUnderWayAreBoundedAndThePastTheBoundFailFast() throws Exception {
    deploy(Map.of("REDIS_TIMEOUT", "30s"));
    redis.hold();
    for (int i = 0; i < CacheVerticle.MAX_IN_FLIGHT; i++) {
      lookup(Key.of("k" + i));
    }
    Throwable err = failureOf(lookup(Key.of("one-too-many")));
    assertThat(Failure.of(err)).isEqualTo(Failure.OVERLOADED);
    assertThat(stats().inFlight()).isEqualTo(CacheVerticle.MAX_IN_FLIGHT);
    assertThat(stats().rejected()).isEqualTo(1);
  }

  @Test
  void failedReadsAreCountedByKind() throws Exception {
    deploy(Map.of());
    redis.failWith(Failure.REDIS_ERROR, "WRONGTYPE");
    failureOf(lookup(Key.of("a")));
    redis.failWith(Failure.UNAVAILABLE, "Connection refused");
    failureOf(lookup(Key.of("b")));
    failureOf(lookup(Key.of("c")));
    redis.heal();
    redis.hold();
    failureOf(lookup(Key.of("d")));
    CacheStats stats = stats();
    assertThat(stats).extracting(CacheStats::redisErrors, CacheStats::redisUnavailable, CacheStats::redisTimeouts)
        .containsExactly(1L, 2L, 1L);
    assertThat(stats.misses()).isEqualTo(4);
    assertThat(stats.redisReachable()).isFalse();
  }

  @Test
  void invalidatingAKeyDropsThatKeyOnlyAndLeavesRedisAlone() throws Exception {
    deploy(Map.of());
    Key other = Key.of("other");
    redis.data.put(K, Buffer.buffer("v"));
    redis.data.put(other, Buffer.buffer("o"));
    await(lookup(K));
    await(lookup(other));
    assertThat(this.<Integer>request(CacheVerticle.INVALIDATE, K)).isEqualTo(1);
    assertThat(this.<Integer>request(CacheVerticle.INVALIDATE, Key.of("never-cached"))).isZero();
    assertThat(redis.data).as("Redis is not touched").containsKeys(K, other);
    assertThat(await(lookup(other)).outcome()).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(await(lookup(K)).outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(redis.reads(K)).isEqualTo(2);
    assertThat(stats().invalidations()).isEqualTo(1);
  }

  @Test
  void invalidatingAllDropsEveryEntry() throws Exception {
    deploy(Map.of());
    Key other = Key.of("other");
    redis.data.put(K, Buffer.buffer("v"));
    redis.data.put(other, Buffer.buffer("o"));
    await(lookup(K));
    await(lookup(other));
    assertThat(this.<Integer>request(CacheVerticle.INVALIDATE_ALL, null)).isEqualTo(2);
    assertThat(stats()).extracting(CacheStats::keys, CacheStats::invalidations).containsExactly(0, 2L);
    assertThat(await(lookup(K)).outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(await(lookup(other)).outcome()).isEqualTo(LookupReply.Outcome.MISS);
  }

  @Test
  void aReadStartedBeforeAnInvalidationNeverPutsTheOldValueBack() throws Exception {
    deploy(Map.of("REDIS_TIMEOUT", "30s"));
    redis.data.put(K, Buffer.buffer("old"));
    redis.hold();
    Future<LookupReply> before = lookup(K);
    awaitCondition(() -> redis.pending() == 1);
    request(CacheVerticle.INVALIDATE, K);
    redis.data.put(K, Buffer.buffer("new"));
    Future<LookupReply> after = lookup(K);
    awaitCondition(() -> redis.pending() == 2);
    assertThat(stats().coalesced()).as("the lookup after the DELETE does not join the read from before").isZero();
    redis.releaseNewest(K);
    assertThat(await(after).value().toString()).isEqualTo("new");
    redis.data.put(K, Buffer.buffer("old"));
    redis.releaseOldest(K);
    assertThat(await(before).value().toString()).as("its waiters still get their answer").isEqualTo("old");
    LookupReply now = await(lookup(K));
    assertThat(now.outcome()).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(now.value().toString()).isEqualTo("new");
    assertThat(stats().inFlight()).isZero();
  }

  @Test
  void aReadStartedBeforeClearingTheCacheIsNotStored() throws Exception {
    deploy(Map.of("REDIS_TIMEOUT", "30s"));
    redis.data.put(K, Buffer.buffer("old"));
    redis.hold();
    Future<LookupReply> before = lookup(K);
    awaitCondition(() -> redis.pending() == 1);
    assertThat(this.<Integer>request(CacheVerticle.INVALIDATE_ALL, null)).isZero();
    assertThat(stats().inFlight()).as("a detached read still counts against the bound").isEqualTo(1);
    redis.release(K);
    assertThat(await(before).value().toString()).isEqualTo("old");
    assertThat(stats()).extracting(CacheStats::keys, CacheStats::inFlight).containsExactly(0, 0);
    redis.data.put(K, Buffer.buffer("new"));
    redis.releaseAll();
    assertThat(await(lookup(K)).value().toString()).isEqualTo("new");
  }

  @Test
  void pingReportsWhetherRedisAnswersAndLogsTheChangesOfState() throws Exception {
    deploy(Map.of());
    ListAppender<ILoggingEvent> logs = captureLogs();
    try {
      assertThat(pingFailure()).isNull();
      redis.failWith(Failure.UNAVAILABLE, "Connection refused");
      assertThat(Failure.of(pingFailure())).isEqualTo(Failure.UNAVAILABLE);
      assertThat(Failure.of(pingFailure())).isEqualTo(Failure.UNAVAILABLE);
      assertThat(stats().redisReachable()).isFalse();
      redis.heal();
      assertThat(pingFailure()).isNull();
      assertThat(stats().redisReachable()).isTrue();
      redis.hold();
      assertThat(Failure.of(pingFailure())).as("a PING without answer").isEqualTo(Failure.TIMEOUT);
      assertThat(logs.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
          "WARN Redis at redis://localhost:6379 is unreachable or too slow; misses fail, cached keys are still served",
          "INFO Redis at redis://localhost:6379 answers again",
          "WARN Redis at redis://localhost:6379 is unreachable or too slow; misses fail, cached keys are still served");
    } finally {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(CacheVerticle.class)).detachAppender(logs);
    }
  }

  private static ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(CacheVerticle.class)).addAppender(logs);
    return logs;
  }

  /** Null when PING succeeded, else the failure. */
  private Throwable pingFailure() throws Exception {
    return vertx.eventBus().request(CacheVerticle.PING, null)
        .transform(ar -> Future.succeededFuture(ar.cause()))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private <T> T request(String address, Object body) throws Exception {
    return vertx.eventBus().<T>request(address, body).map(Message::body)
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private Throwable failureOf(Future<LookupReply> f) throws Exception {
    return f.transform(ar -> Future.succeededFuture(ar.cause()))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** Polls a condition with a deadline (see {@link Await}); the polling is not a timing assertion. */
  private static void awaitCondition(java.util.concurrent.Callable<Boolean> check) throws InterruptedException {
    Await.until(java.time.Duration.ofSeconds(10), "the condition", check);
  }
}
