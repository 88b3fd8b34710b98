package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
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

/** The cache verticle on a real event bus, with a fake Redis and a fake clock. */
@ExtendWith(VertxExtension.class)
class CacheVerticleTest {

  private static final Key K = Key.of("k");

  private final FakeRedisReader redis = new FakeRedisReader();
  private final FakeTicker ticker = new FakeTicker();
  private Vertx vertx;

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
  }

  private Future<LookupReply> lookup(Key key) {
    return vertx.eventBus().<LookupReply>request(CacheVerticle.LOOKUP, new Lookup(key)).map(Message::body);
  }

  private LookupReply await(Future<LookupReply> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private CacheStats stats() throws Exception {
    return vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null).map(Message::body)
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void missReadsRedisOnceThenHitsServeTheSameBuffer() throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v1"));
    LookupReply first = await(lookup(K));
    assertThat(first.outcome()).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(first.value().toString()).isEqualTo("v1");
    redis.data.put(K, Buffer.buffer("v2"));
    LookupReply second = await(lookup(K));
    assertThat(second.outcome()).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(second.value()).as("the cached buffer itself, not a copy").isSameAs(first.value());
    assertThat(redis.reads(K)).isEqualTo(1);
    assertThat(stats()).extracting(CacheStats::hits, CacheStats::misses, CacheStats::keys).containsExactly(1L, 1L, 1);
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
  }

  private Throwable failureOf(Future<LookupReply> f) throws Exception {
    return f.transform(ar -> Future.succeededFuture(ar.cause()))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** Polls a condition with a deadline; the polling is not a timing assertion. */
  private static void awaitCondition(Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }
}
