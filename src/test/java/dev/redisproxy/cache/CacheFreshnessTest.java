package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.VertxFixture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How long the cache verticle serves what it read: Redis's remaining TTL against {@code CACHE_TTL},
 * negative entries ({@code CACHE_NEGATIVE_TTL}), stale entries when Redis fails
 * ({@code CACHE_STALE_IF_ERROR}) and the age of what is served; a fake Redis and a fake clock.
 */
class CacheFreshnessTest {

  private static final Key K = Key.of("k");

  @RegisterExtension
  final VertxFixture vertx = new VertxFixture();
  private final FakeTrackingReader tracking = new FakeTrackingReader();
  private final FakeRedisReader redis = tracking.redis;
  private final FakeTicker ticker = new FakeTicker();
  private CacheClient client;

  private void deploy(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(Map.of("CACHE_TTL", "10s", "CACHE_MAXSIZE", "4", "REDIS_TIMEOUT", "30s"));
    all.putAll(env);
    vertx.get().deployVerticle(new CacheVerticle(ConfigLoader.load(null, all), v -> tracking, ticker)).await();
    client = CacheClient.open(vertx.get(), 60_000).await();
  }

  @Test
  void anEntryLivesUntilTheKeysRemainingTtlInRedisToTheMillisecond() throws Exception {
    deploy(Map.of());
    redis.put(K, Buffer.buffer("v"), 1500);
    assertThat(lookup(K)).isEqualTo("MISS v");
    ticker.advance(Duration.ofMillis(1499));
    assertThat(lookup(K)).isEqualTo("HIT v age=1");
    ticker.advance(Duration.ofMillis(1));
    assertThat(lookup(K)).as("expired with the key in Redis").isEqualTo("MISS v");
    assertThat(redis.reads(K)).isEqualTo(2);
  }

  @Test
  void theLifetimeCountsFromWhenTheReadWasSentNotWhenRedisAnswered() throws Exception {
    deploy(Map.of());
    redis.put(K, Buffer.buffer("v"), 1000);
    redis.hold();
    Future<LookupReply> first = client.lookup(K);
    Await.until(Duration.ofSeconds(10), "the read to start", () -> redis.pending() == 1);
    ticker.advance(Duration.ofMillis(400));
    redis.releaseAll();
    assertThat(describe(await(first))).isEqualTo("MISS v");
    ticker.advance(Duration.ofMillis(599));
    assertThat(lookup(K)).isEqualTo("HIT v age=0");
    ticker.advance(Duration.ofMillis(1));
    assertThat(lookup(K)).as("1000 ms after the read was sent").isEqualTo("MISS v");
  }

  @Test
  void aKeyWithoutTtlKeepsCacheTtlAndALongerTtlIsCutToIt() throws Exception {
    deploy(Map.of());
    Key longer = Key.of("longer");
    redis.data.put(K, Buffer.buffer("v"));
    redis.put(longer, Buffer.buffer("w"), Duration.ofHours(1).toMillis());
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(lookup(longer)).isEqualTo("MISS w");
    ticker.advance(Duration.ofMillis(9999));
    assertThat(lookup(K)).isEqualTo("HIT v age=9");
    assertThat(lookup(longer)).isEqualTo("HIT w age=9");
    ticker.advance(Duration.ofMillis(1));
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(lookup(longer)).isEqualTo("MISS w");
  }

  @Test
  void aValueReadAtTheEndOfItsTtlIsServedAndNotStored() throws Exception {
    deploy(Map.of());
    redis.put(K, Buffer.buffer("v"), 0);
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(stats().keys()).isZero();
  }

  @Test
  void ageIsWholeSecondsSinceTheValueWasRead() throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(lookup(K)).isEqualTo("HIT v age=0");
    ticker.advance(Duration.ofMillis(2999));
    assertThat(lookup(K)).isEqualTo("HIT v age=2");
    ticker.advance(Duration.ofMillis(1));
    assertThat(lookup(K)).isEqualTo("HIT v age=3");
  }

  @Test
  void aMissingKeyIsRememberedForTheNegativeTtlAndAnsweredNotFoundAsAHit() throws Exception {
    deploy(Map.of("CACHE_NEGATIVE_TTL", "2s"));
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
    redis.data.put(K, Buffer.buffer("v"));
    ticker.advance(Duration.ofMillis(1999));
    assertThat(lookup(K)).as("remembered as missing").isEqualTo("NOT_FOUND");
    assertThat(redis.reads(K)).isEqualTo(1);
    CacheStats s = stats();
    assertThat(s).extracting(CacheStats::hits, CacheStats::misses, CacheStats::keys).containsExactly(1L, 1L, 1);
    assertThat(s.bytes()).as("a key's bytes and the overhead, like any entry")
        .isEqualTo(K.length() + LruTtlCache.ENTRY_OVERHEAD);
    ticker.advance(Duration.ofMillis(1));
    assertThat(lookup(K)).isEqualTo("MISS v");
  }

  @Test
  void withoutNegativeTtlAMissingKeyIsReadEveryTime() throws Exception {
    deploy(Map.of());
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
    assertThat(redis.reads(K)).isEqualTo(2);
    assertThat(stats().keys()).isZero();
  }

  @Test
  void negativeEntriesCountAgainstCacheMaxSize() throws Exception {
    deploy(Map.of("CACHE_NEGATIVE_TTL", "5s", "CACHE_MAXSIZE", "2"));
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(lookup(K)).isEqualTo("MISS v");
    assertThat(lookup(Key.of("a"))).isEqualTo("NOT_FOUND");
    assertThat(lookup(Key.of("b"))).isEqualTo("NOT_FOUND");
    assertThat(stats()).extracting(CacheStats::keys, CacheStats::evictions).containsExactly(2, 1L);
    assertThat(lookup(K)).as("the least recently used went").isEqualTo("MISS v");
  }

  @Test
  void aNegativeEntryIsDroppedWhenRedisReportsTheKeysCreation() throws Exception {
    deploy(Map.of("CACHE_NEGATIVE_TTL", "5s", "CACHE_INVALIDATION", "tracking"));
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
    redis.data.put(K, Buffer.buffer("new"));
    tracking.invalidate(K);
    assertThat(lookup(K)).isEqualTo("MISS new");
    assertThat(lookup(K)).isEqualTo("HIT new age=0");
  }

  @Test
  void anExpiredEntryIsServedStaleWithinTheGraceWhenRedisCannotAnswer() throws Exception {
    deploy(Map.of("CACHE_STALE_IF_ERROR", "5s"));
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(lookup(K)).isEqualTo("MISS v");
    ticker.advance(Duration.ofSeconds(12));
    for (Failure f : List.of(Failure.UNAVAILABLE, Failure.TIMEOUT, Failure.OVERLOADED)) {
      redis.failWith(f, "down");
      assertThat(lookup(K)).as(f.name()).isEqualTo("STALE v age=12");
    }
    redis.failWith(Failure.REDIS_ERROR, "WRONGTYPE Operation against a key holding the wrong kind of value");
    assertThat(lookup(K)).as("an error reply is an answer").isEqualTo("FAILED REDIS_ERROR");
    redis.failWith(Failure.UNAVAILABLE, "down");
    ticker.advance(Duration.ofMillis(2999));
    assertThat(lookup(K)).isEqualTo("STALE v age=14");
    ticker.advance(Duration.ofMillis(1));
    assertThat(lookup(K)).as("the grace has passed").isEqualTo("FAILED UNAVAILABLE");
    assertThat(stats().staleServed()).isEqualTo(4);
  }

  @Test
  void whileRedisAnswersAnExpiredEntryIsNeverServedAndAKeyRedisLostIsNotServedStaleLater() throws Exception {
    deploy(Map.of("CACHE_STALE_IF_ERROR", "1m"));
    redis.data.put(K, Buffer.buffer("v1"));
    assertThat(lookup(K)).isEqualTo("MISS v1");
    ticker.advance(Duration.ofSeconds(10));
    redis.data.put(K, Buffer.buffer("v2"));
    assertThat(lookup(K)).isEqualTo("MISS v2");
    ticker.advance(Duration.ofSeconds(10));
    redis.data.remove(K);
    assertThat(lookup(K)).isEqualTo("NOT_FOUND");
    redis.failWith(Failure.UNAVAILABLE, "down");
    assertThat(lookup(K)).as("Redis said the key is gone").isEqualTo("FAILED UNAVAILABLE");
  }

  @Test
  void staleIsOffByDefault() throws Exception {
    deploy(Map.of());
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(lookup(K)).isEqualTo("MISS v");
    ticker.advance(Duration.ofSeconds(10));
    redis.failWith(Failure.UNAVAILABLE, "down");
    assertThat(lookup(K)).isEqualTo("FAILED UNAVAILABLE");
  }

  @Test
  void everyWaiterOfAReadThatTimesOutGetsTheStaleValue() throws Exception {
    deploy(Map.of("CACHE_STALE_IF_ERROR", "5s", "REDIS_TIMEOUT", "100ms"));
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(lookup(K)).isEqualTo("MISS v");
    ticker.advance(Duration.ofSeconds(11));
    redis.hold();
    Future<LookupReply> first = client.lookup(K);
    Future<LookupReply> second = client.lookup(K);
    assertThat(describe(await(first))).isEqualTo("STALE v age=11");
    assertThat(describe(await(second))).isEqualTo("STALE v age=11");
    assertThat(redis.reads(K)).as("one read, shared").isEqualTo(2);
    CacheStats s = stats();
    assertThat(s.coalesced()).isEqualTo(1);
    assertThat(s.staleServed()).isEqualTo(2);
    redis.releaseAll();
  }

  @Test
  void anEntryDroppedByTrackingOrByTheOperatorIsNeverServedStale() throws Exception {
    deploy(Map.of("CACHE_STALE_IF_ERROR", "1m", "CACHE_INVALIDATION", "tracking"));
    Key reported = Key.of("reported");
    Key deleted = Key.of("deleted");
    Key cleared = Key.of("cleared");
    for (Key key : List.of(reported, deleted, cleared)) {
      redis.data.put(key, Buffer.buffer("v"));
      assertThat(lookup(key)).isEqualTo("MISS v");
    }
    ticker.advance(Duration.ofSeconds(11));
    tracking.invalidate(reported);
    request(CacheVerticle.INVALIDATE, deleted);
    redis.failWith(Failure.UNAVAILABLE, "down");
    assertThat(lookup(cleared)).as("a stale entry the operator has not dropped yet").isEqualTo("STALE v age=11");
    request(CacheVerticle.INVALIDATE_ALL, null);
    for (Key key : List.of(reported, deleted, cleared)) {
      assertThat(lookup(key)).as(key.toString()).isEqualTo("FAILED UNAVAILABLE");
    }
  }

  @Test
  void losingTheTrackingConnectionDropsEverythingSoNothingIsServedStaleAfter() throws Exception {
    deploy(Map.of("CACHE_STALE_IF_ERROR", "1m", "CACHE_INVALIDATION", "tracking"));
    redis.data.put(K, Buffer.buffer("v"));
    assertThat(lookup(K)).isEqualTo("MISS v");
    ticker.advance(Duration.ofSeconds(11));
    redis.failWith(Failure.UNAVAILABLE, "down");
    assertThat(lookup(K)).as("before the loss is noticed").isEqualTo("STALE v age=11");
    tracking.lose();
    assertThat(lookup(K)).as("changes may have been missed since").isEqualTo("FAILED UNAVAILABLE");
  }

  private String lookup(Key key) throws Exception {
    // A failed lookup fails the future; as a reply it reads like the others.
    return describe(await(client.lookup(key)
        .recover(err -> Future.succeededFuture(LookupReply.failed(Failure.of(err), err.getMessage())))));
  }

  private static String describe(LookupReply r) {
    return switch (r.outcome()) {
      case HIT, STALE -> r.outcome() + " " + r.value() + " age=" + r.age();
      case MISS -> "MISS " + r.value();
      case NOT_FOUND -> "NOT_FOUND";
      case FAILED -> "FAILED " + r.failure();
    };
  }

  private void request(String address, Object body) throws Exception {
    await(vertx.get().eventBus().request(address, body));
  }

  private CacheStats stats() throws Exception {
    return await(vertx.get().eventBus().<CacheStats>request(CacheVerticle.STATS, null).map(Message::body));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
