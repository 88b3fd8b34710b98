package dev.redisproxy.cache;

import dev.redisproxy.testing.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cache verticle with {@code CACHE_INVALIDATION=tracking}, on a real event bus, with a fake Redis
 * that reports changed keys when the test says so, and a fake clock.
 */
class CacheTrackingTest {

  private static final Key K = Key.of("k");
  private static final Key OTHER = Key.of("other");

  private final FakeTrackingReader tracking = new FakeTrackingReader();
  private final FakeRedisReader redis = tracking.redis;
  private final FakeTicker ticker = new FakeTicker();
  private Vertx vertx;
  private CacheClient client;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(50).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private void deploy(String invalidation) {
    Map<String, String> env = new HashMap<>(Map.of("CACHE_TTL", "10s", "CACHE_MAXSIZE", "4",
        "REDIS_TIMEOUT", "30s", "CACHE_INVALIDATION", invalidation));
    vertx.deployVerticle(new CacheVerticle(ConfigLoader.load(null, env), v -> tracking, ticker)).await();
    client = CacheClient.open(vertx, 60_000).await();
  }

  @Test
  void aKeyRedisReportsAsChangedIsReadAgainAndItsNewValueCached() throws Exception {
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("v1"));
    assertThat(lookup(K)).isEqualTo("MISS v1");
    assertThat(lookup(K)).isEqualTo("HIT v1");
    redis.data.put(K, Buffer.buffer("v2"));
    tracking.invalidate(K);
    tracking.invalidate(Key.of("never-cached"));
    assertThat(lookup(K)).isEqualTo("MISS v2");
    assertThat(lookup(K)).isEqualTo("HIT v2");
    CacheStats stats = stats();
    assertThat(stats.tracking()).isEqualTo(new CacheStats.Tracking(true, true, 2, 0, 0));
    assertThat(stats.invalidations()).as("operator invalidations are counted apart").isZero();
  }

  @Test
  void aReportWhileTheKeyIsBeingReadKeepsThatReadOutOfTheCache() throws Exception {
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("old"));
    redis.hold();
    Future<LookupReply> before = request(K);
    awaitCondition(() -> redis.pending() == 1);
    tracking.invalidate(K);
    redis.release(K);
    assertThat(describe(await(before))).as("its waiters still get their answer").isEqualTo("MISS old");
    redis.data.put(K, Buffer.buffer("new"));
    redis.releaseAll();
    assertThat(lookup(K)).isEqualTo("MISS new");
    assertThat(lookup(K)).isEqualTo("HIT new");
    assertThat(stats().inFlight()).isZero();
  }

  @Test
  void aFlushOfRedisDropsEveryEntry() throws Exception {
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("k"));
    redis.data.put(OTHER, Buffer.buffer("o"));
    lookup(K);
    lookup(OTHER);
    redis.data.clear();
    tracking.flush();
    assertThat(stats()).extracting(CacheStats::keys, s -> s.tracking().flushes()).containsExactly(0, 1L);
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
  }

  @Test
  void whileTrackingIsDownReadsAreServedButNeverStored() throws Exception {
    tracking.startDown();
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("v1"));
    assertThat(lookup(K)).isEqualTo("MISS v1");
    redis.data.put(K, Buffer.buffer("v2"));
    assertThat(lookup(K)).as("not cached: nobody would report the change").isEqualTo("MISS v2");
    assertThat(stats()).extracting(CacheStats::keys, s -> s.tracking().up()).containsExactly(0, false);
    tracking.restore();
    assertThat(lookup(K)).isEqualTo("MISS v2");
    assertThat(lookup(K)).isEqualTo("HIT v2");
    assertThat(stats().tracking().up()).isTrue();
    assertThat(redis.reads(K)).isEqualTo(3);
  }

  @Test
  void losingTrackingDropsTheCacheAndKeepsReadsUnderWayOutOfIt() throws Exception {
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("k"));
    redis.data.put(OTHER, Buffer.buffer("o"));
    lookup(K);
    redis.hold();
    Future<LookupReply> underWay = request(OTHER);
    awaitCondition(() -> redis.pending() == 1);
    tracking.lose();
    assertThat(stats()).extracting(CacheStats::keys, s -> s.tracking().connectionLosses(), s -> s.tracking().up())
        .containsExactly(0, 1L, false);
    tracking.restore();
    redis.releaseAll();
    assertThat(describe(await(underWay))).isEqualTo("MISS o");
    assertThat(lookup(OTHER)).as("the read from before the loss was not stored").isEqualTo("MISS o");
    assertThat(lookup(K)).isEqualTo("MISS k");
  }

  @Test
  void aReadStartedWhileTrackingWasDownIsNotStoredWhenItEndsAfterTrackingCameBack() throws Exception {
    tracking.startDown();
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("v"));
    redis.hold();
    Future<LookupReply> underWay = request(K);
    awaitCondition(() -> redis.pending() == 1);
    tracking.restore();
    redis.releaseAll();
    assertThat(describe(await(underWay))).isEqualTo("MISS v");
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(lookup(K)).isEqualTo("HIT v");
  }

  @Test
  void coalescingAndTheTtlStillApply() throws Exception {
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("v"));
    redis.hold();
    List<Future<LookupReply>> replies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      replies.add(request(K));
    }
    awaitCondition(() -> redis.pending() == 1 && stats().coalesced() == 9);
    redis.releaseAll();
    for (Future<LookupReply> r : replies) {
      assertThat(describe(await(r))).isEqualTo("MISS v");
    }
    assertThat(lookup(K)).isEqualTo("HIT v");
    ticker.advance(Duration.ofSeconds(10));
    assertThat(lookup(K)).as("the TTL is a backstop").isEqualTo("MISS v");
    assertThat(redis.reads(K)).isEqualTo(2);
  }

  @Test
  void withoutTrackingNothingIsReported() throws Exception {
    deploy("none");
    redis.data.put(K, Buffer.buffer("v"));
    lookup(K);
    assertThat(lookup(K)).isEqualTo("HIT v");
    assertThat(stats().tracking()).isEqualTo(CacheStats.Tracking.OFF);
  }

  // --- helpers

  @Test
  void aReadTheReaderCallsUntrackedIsServedNotStoredAndNotCountedAsAReport() throws Exception {
    deploy("tracking");
    redis.data.put(K, Buffer.buffer("v1"));
    redis.hold();
    Future<LookupReply> read = request(K);
    awaitCondition(() -> redis.pending() == 1);
    tracking.readUntracked(K);
    redis.releaseAll();
    assertThat(describe(await(read))).isEqualTo("MISS v1");
    redis.data.put(K, Buffer.buffer("v2"));
    assertThat(lookup(K)).as("not stored: read again").isEqualTo("MISS v2");
    assertThat(lookup(K)).isEqualTo("HIT v2");
    assertThat(stats().tracking().keys()).as("no change Redis reported").isZero();
  }

  private Future<LookupReply> request(Key key) {
    return client.lookup(key);
  }

  private String lookup(Key key) throws Exception {
    return describe(await(request(key)));
  }

  private static String describe(LookupReply reply) {
    return reply.value() == null ? reply.outcome().name() : reply.outcome() + " " + reply.value();
  }

  private static LookupReply await(Future<LookupReply> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private CacheStats stats() throws Exception {
    return vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null).map(Message::body)
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** Polls a condition with a deadline (see {@link Await}); the polling is not a timing assertion. */
  private static void awaitCondition(java.util.concurrent.Callable<Boolean> check) throws InterruptedException {
    Await.until(java.time.Duration.ofSeconds(10), "the condition", check);
  }
}
