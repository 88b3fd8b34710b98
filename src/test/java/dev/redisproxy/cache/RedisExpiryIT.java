package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * Redis's own expiry through the whole proxy over HTTP, against a real redis-server, with
 * {@code CACHE_INVALIDATION=none} and {@code tracking} and a {@code CACHE_TTL} of an hour, so that only
 * the key's time to live can end an entry early.
 *
 * <p>What an entry keeps when the key's time to live changes after it was read ({@code PERSIST},
 * {@code PEXPIRE} to a longer one, {@code EXPIRE} to a shorter one):
 * <ul>
 *   <li>{@code none}: the lifetime it was read with. It is served {@code HIT} until then and read
 *       again after, so a removed or longer time to live is picked up at that re-read, and a
 *       <em>shorter</em> one is not seen before it: the entry is served {@code HIT} after Redis has
 *       already expired the key, until the end of the lifetime it was read with. Nothing tells the
 *       proxy of the change; only tracking does.</li>
 *   <li>{@code tracking}: {@code PERSIST} and {@code EXPIRE} modify the key, so Redis reports it, the
 *       entry is dropped, and the next read is a {@code MISS} that reads the new time to live.</li>
 * </ul>
 *
 * <p>"Until then" is checked against bounds the test measures, not a latency target: the key's
 * expiry in Redis lies between {@code PTTL}'s send and reply plus its answer ({@link Expiry}); an entry
 * lives from when its read was sent for the PTTL Redis gave that read, so it ends no later than the
 * key did and no earlier than that less the read's own round trip. {@link #CLOCK_SLACK} covers
 * Redis's whole-millisecond clock. Time passes on the real clock, so the tests poll for the state they
 * expect with a deadline ({@link #WITHIN}) that only turns a hang into a failure.
 */
class RedisExpiryIT {

  private static final Duration WITHIN = Duration.ofSeconds(15);
  /** Redis counts time to live in whole milliseconds and on its own clock: a granularity, not a target. */
  private static final long CLOCK_SLACK = Duration.ofMillis(5).toNanos();
  private static final String INVALIDATIONS = "redis_proxy_cache_tracking_invalidations_total";

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().with("CACHE_TTL", "1h").deferred();

  /** A key's expiry in Redis, in {@link System#nanoTime()}: no earlier than {@code earliest}, no later than {@code latest}. */
  record Expiry(long earliest, long latest) {
  }

  /** A response and when its request began and its answer ended. */
  record Read(long start, long end, String described) {
  }

  // --- Redis's expiry, in both modes

  @ParameterizedTest(name = "CACHE_INVALIDATION={0}")
  @ValueSource(strings = {"none", "tracking"})
  void keysWithExOrExpireAtAreNeverServedAfterTheyExpireInRedis(String mode) throws Exception {
    start(mode, Map.of());
    redis(j -> j.set("ex", "v", SetParams.setParams().ex(1)));
    redis(j -> {
      j.set("at", "v");
      long redisNow = Long.parseLong(j.time().get(0));
      return j.expireAt("at", redisNow + 2);
    });
    for (String key : new String[] {"ex", "at"}) {
      assertThat(describe(proxy.get("/get/" + key))).isEqualTo("200 MISS v");
      assertThat(describe(proxy.get("/get/" + key))).isEqualTo("200 HIT v");
    }
    for (String key : new String[] {"ex", "at"}) {
      awaitGoneInRedis(key);
      assertThat(describe(proxy.get("/get/" + key))).as(key + " once Redis expired it").isEqualTo("404 - not found");
    }
  }

  @ParameterizedTest(name = "CACHE_INVALIDATION={0}")
  @ValueSource(strings = {"none", "tracking"})
  void aKeyWithoutTimeToLiveIsCachedForCacheTtlThenReadAgain(String mode) throws Exception {
    start(mode, Map.of("CACHE_TTL", "1s"));
    proxy.redis().set("k", "v");
    long readStart = System.nanoTime();
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS v");
    long readEnd = System.nanoTime();
    Read reRead = hitsUntilReRead("/get/k", "v", readEnd + Duration.ofSeconds(1).toNanos());
    assertThat(reRead.described()).isEqualTo("200 MISS v");
    assertThat(reRead.end()).as("not read again before CACHE_TTL").isGreaterThan(readStart + Duration.ofSeconds(1).toNanos());
    assertThat(pttl("k")).isEqualTo(-1);
  }

  // --- CACHE_INVALIDATION=none: the entry keeps the lifetime it was read with

  @Test
  void withoutTrackingAPersistedKeyIsServedForTheLifetimeItWasReadWithThenReadAgainWithout() throws Exception {
    start("none", Map.of());
    ExpiringRead read = setAndRead("k", 1500);
    Expiry expiry = read.expiry();
    redis(j -> j.persist("k"));
    Read reRead = hitsUntilReRead("/get/k", "v", expiry.latest());
    assertThat(reRead.described()).isEqualTo("200 MISS v");
    assertThat(reRead.end()).as("re-read only once the lifetime read with ended").isGreaterThan(read.endsNoEarlierThan());
    awaitPast(expiry.latest());
    assertThat(describe(proxy.get("/get/k"))).as("read again without a time to live: CACHE_TTL").isEqualTo("200 HIT v");
  }

  @Test
  void withoutTrackingALongerTimeToLiveIsReadOnlyOnceTheLifetimeReadWithEnds() throws Exception {
    start("none", Map.of());
    ExpiringRead read = setAndRead("k", 1500);
    redis(j -> j.pexpire("k", 60_000));
    Read reRead = hitsUntilReRead("/get/k", "v", read.expiry().latest());
    assertThat(reRead.described()).isEqualTo("200 MISS v");
    assertThat(reRead.end()).isGreaterThan(read.endsNoEarlierThan());
    assertThat(describe(proxy.get("/get/k"))).as("the longer time to live read").isEqualTo("200 HIT v");
  }

  @Test
  void withoutTrackingAShorterTimeToLiveIsNotSeenTheKeyIsServedPastItUntilTheLifetimeReadWith() throws Exception {
    start("none", Map.of());
    ExpiringRead read = setAndRead("k", 3000);
    redis(j -> j.expire("k", 1));
    awaitGoneInRedis("k");
    assertThat(describe(proxy.get("/get/k"))).as("Redis no longer has k, and nothing told the proxy")
        .isEqualTo("200 HIT v");
    Read reRead = hitsUntilReRead("/get/k", "v", read.expiry().latest());
    assertThat(reRead.described()).isEqualTo("404 - not found");
    assertThat(reRead.end()).isGreaterThan(read.endsNoEarlierThan());
  }

  // --- CACHE_INVALIDATION=tracking: Redis reports the change, the entry is dropped

  @Test
  void withTrackingAPersistDropsTheEntryAndTheReReadKeepsItPastTheOldExpiry() throws Exception {
    start("tracking", Map.of());
    ExpiringRead read = setAndRead("k", 1500);
    changeAndAwaitReport(j -> j.persist("k"));
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS v");
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 HIT v");
    awaitPast(read.expiry().latest());
    assertThat(describe(proxy.get("/get/k"))).as("read without a time to live: CACHE_TTL").isEqualTo("200 HIT v");
  }

  @Test
  void withTrackingALongerTimeToLiveDropsTheEntryAndTheReReadKeepsItPastTheOldExpiry() throws Exception {
    start("tracking", Map.of());
    ExpiringRead read = setAndRead("k", 1500);
    changeAndAwaitReport(j -> j.pexpire("k", 60_000));
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS v");
    awaitPast(read.expiry().latest());
    assertThat(describe(proxy.get("/get/k"))).as("read with the longer time to live").isEqualTo("200 HIT v");
  }

  @Test
  void withTrackingAShorterTimeToLiveDropsTheEntryAndTheKeyIsNotServedAfterItsNewExpiry() throws Exception {
    start("tracking", Map.of());
    setAndRead("k", 5000);
    // Two seconds: room to read it once reported, before Redis expires it.
    changeAndAwaitReport(j -> j.expire("k", 2));
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS v");
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 HIT v");
    awaitGoneInRedis("k");
    assertThat(describe(proxy.get("/get/k"))).as("once Redis expired k at its new time").isEqualTo("404 - not found");
  }

  // --- helpers

  private void start(String mode, Map<String, String> more) throws Exception {
    Map<String, String> settings = new HashMap<>(more);
    settings.put("CACHE_INVALIDATION", mode);
    proxy.start(settings);
    if (mode.equals("tracking")) {
      Await.until(WITHIN, "tracking up", () -> metrics().get("redis_proxy_cache_tracking_up") == 1);
    }
  }

  /** The first read of a key set to {@code v} with {@code PX millis}, with the key's expiry measured just before. */
  private ExpiringRead setAndRead(String key, long millis) throws Exception {
    redis(j -> j.set(key, "v", SetParams.setParams().px(millis)));
    long before = System.nanoTime();
    long pttl = pttl(key);
    long after = System.nanoTime();
    Expiry expiry = new Expiry(before + pttl * 1_000_000 - CLOCK_SLACK, after + (pttl + 1) * 1_000_000 + CLOCK_SLACK);
    long start = System.nanoTime();
    String described = describe(proxy.get("/get/" + key));
    long end = System.nanoTime();
    assertThat(described).isEqualTo("200 MISS v");
    return new ExpiringRead(expiry, start, end);
  }

  /**
   * A read that stored an entry of a key expiring at {@code expiry}: sent after {@code start} and
   * answered before {@code end}, so the entry ends at the key's expiry less at most that round trip.
   */
  private record ExpiringRead(Expiry expiry, long start, long end) {
    long endsNoEarlierThan() {
      return expiry.earliest() - (end - start);
    }
  }

  /**
   * Reads until the answer is not a hit, and returns that answer. Every hit on the way must be the
   * value and begin before {@code noHitAfter}, by when the entry has ended.
   */
  private Read hitsUntilReRead(String path, String value, long noHitAfter) throws InterruptedException {
    return Await.until("a read that is not a HIT", WITHIN, () -> {
      long start = System.nanoTime();
      String described = describe(proxy.get(path));
      long end = System.nanoTime();
      if (described.startsWith("200 HIT ")) {
        assertThat(described).isEqualTo("200 HIT " + value);
        assertThat(start).as("a HIT begun after the entry's lifetime ended").isLessThan(noHitAfter);
      }
      return new Read(start, end, described);
    }, r -> !r.described().startsWith("200 HIT "));
  }

  /** Makes a change to the key and waits until Redis reported it to the proxy. */
  private void changeAndAwaitReport(Function<Jedis, Object> change) throws Exception {
    double before = metrics().get(INVALIDATIONS);
    redis(change);
    Await.until(WITHIN, "Redis to report the change", () -> metrics().get(INVALIDATIONS) > before);
  }

  private void awaitGoneInRedis(String key) throws InterruptedException {
    Await.until(WITHIN, key + " expired in Redis", () -> pttl(key) == -2);
  }

  /** Waits for a moment to pass: a time to live running out, not a pause. */
  private static void awaitPast(long nanoTime) throws InterruptedException {
    Await.until(WITHIN, "the key's former expiry to pass", () -> System.nanoTime() > nanoTime);
  }

  private long pttl(String key) {
    try (Jedis jedis = proxy.redis().client()) {
      return jedis.pttl(key);
    }
  }

  private Object redis(Function<Jedis, Object> command) {
    try (Jedis jedis = proxy.redis().client()) {
      return command.apply(jedis);
    }
  }

  private PrometheusText metrics() throws Exception {
    return PrometheusText.parse(new String(proxy.get("/metrics").body(), StandardCharsets.UTF_8));
  }

  private static String describe(HttpResponse<byte[]> r) {
    return r.statusCode() + " " + r.headers().firstValue("X-Cache").orElse("-") + " "
        + new String(r.body(), StandardCharsets.UTF_8).strip();
  }
}
