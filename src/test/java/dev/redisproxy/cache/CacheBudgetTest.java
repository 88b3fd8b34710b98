package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.VertxFixture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cache verticle within {@code CACHE_MAXMEMORY}: evicting by bytes, and serving uncached what is too large to cache. */
class CacheBudgetTest {

  // 4096 bytes: an entry may weigh 512; a 1-byte key with a 300-byte value weighs 445, so 9 fit.
  private static final int BUDGET = 4096;
  private static final int WEIGHT = 1 + 300 + LruTtlCache.ENTRY_OVERHEAD;

  @RegisterExtension
  final VertxFixture vertx = new VertxFixture();
  private final FakeRedisReader redis = new FakeRedisReader();
  private final FakeTicker ticker = new FakeTicker();
  private CacheClient client;

  private void deploy() {
    Map<String, String> env = new HashMap<>(Map.of("CACHE_TTL", "10s", "CACHE_MAXSIZE", "100",
        "CACHE_MAXMEMORY", Integer.toString(BUDGET), "REDIS_TIMEOUT", "30s"));
    vertx.get().deployVerticle(new CacheVerticle(ConfigLoader.load(null, env), v -> redis, ticker)).await();
    client = CacheClient.open(vertx.get(), 60_000).await();
  }

  @Test
  void theLeastRecentlyUsedGoUntilTheBytesFitTheBudget() throws Exception {
    deploy();
    for (char c = 'a'; c < 'a' + 12; c++) {
      redis.data.put(Key.of(String.valueOf(c)), Buffer.buffer(new byte[300]));
      assertThat(outcome(String.valueOf(c))).isEqualTo(LookupReply.Outcome.MISS);
    }
    CacheStats s = stats();
    assertThat(s.maxBytes()).isEqualTo(BUDGET);
    assertThat(s.keys()).isEqualTo(BUDGET / WEIGHT);
    assertThat(s.bytes()).as("exactly the entries' weight").isEqualTo((long) s.keys() * WEIGHT).isLessThanOrEqualTo(BUDGET);
    assertThat(s.evictions()).isEqualTo(12 - BUDGET / WEIGHT);
    assertThat(outcome("l")).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(outcome("a")).as("the least recently used went first").isEqualTo(LookupReply.Outcome.MISS);
  }

  @Test
  void aValueTooLargeToCacheIsServedEveryTimeFromRedisAndCounted() throws Exception {
    deploy();
    Key big = Key.of("b");
    redis.data.put(big, Buffer.buffer(new byte[BUDGET / LruTtlCache.MAX_ENTRY_SHARE - LruTtlCache.ENTRY_OVERHEAD]));
    redis.data.put(Key.of("s"), Buffer.buffer("small"));
    assertThat(outcome("s")).isEqualTo(LookupReply.Outcome.MISS);
    for (int i = 0; i < 2; i++) {
      LookupReply r = await(client.lookup(big));
      assertThat(r.outcome()).isEqualTo(LookupReply.Outcome.MISS);
      assertThat(r.value().length()).isEqualTo(BUDGET / LruTtlCache.MAX_ENTRY_SHARE - LruTtlCache.ENTRY_OVERHEAD);
    }
    assertThat(redis.reads(big)).isEqualTo(2);
    CacheStats s = stats();
    assertThat(s.uncacheable()).isEqualTo(2);
    assertThat(s.keys()).as("the small key is untouched").isEqualTo(1);
    assertThat(outcome("s")).isEqualTo(LookupReply.Outcome.HIT);
  }

  @Test
  void aValueJustWithinTheEntryShareIsCached() throws Exception {
    deploy();
    Key k = Key.of("b");
    redis.data.put(k, Buffer.buffer(new byte[BUDGET / LruTtlCache.MAX_ENTRY_SHARE - LruTtlCache.ENTRY_OVERHEAD - 1]));
    assertThat(outcome("b")).isEqualTo(LookupReply.Outcome.MISS);
    assertThat(outcome("b")).isEqualTo(LookupReply.Outcome.HIT);
    assertThat(stats()).extracting(CacheStats::uncacheable, CacheStats::bytes)
        .containsExactly(0L, (long) BUDGET / LruTtlCache.MAX_ENTRY_SHARE);
  }

  private LookupReply.Outcome outcome(String key) throws Exception {
    return await(client.lookup(Key.of(key))).outcome();
  }

  private CacheStats stats() throws Exception {
    return await(vertx.get().eventBus().<CacheStats>request(CacheVerticle.STATS, null).map(Message::body));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
