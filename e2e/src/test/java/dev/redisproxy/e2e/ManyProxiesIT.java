package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * Three proxy processes (the jar) in front of one Redis, each kept fresh by Redis on its own: a
 * model-based check as {@link CacheConsistencyIT}'s, with a {@code CACHE_TTL} of an hour so that only
 * invalidation can make a cached value fresh. Two writers (each owning half of the keys) overwrite them
 * in Redis with {@code <key>|<version>}, recording when each write began and ended; readers read random
 * keys through every proxy, recording when each request began and ended. Afterwards every value served
 * is checked: it is the key's own, it was written before the answer came, and no later version had
 * been acknowledged more than {@link #FRESHNESS} before the read began. Nothing the proxies do may
 * assume they are alone: the same client name on three tracking connections is fine, a shared key or
 * channel would not be.
 */
class ManyProxiesIT {

  private static final int PROXIES = 3;
  private static final int KEYS = 40;
  private static final int WRITERS = 2;
  private static final int READERS_PER_PROXY = 3;
  /**
   * How long after a write is acknowledged a read that begins may still be answered with the version
   * before it: the freshness target of this test, generous for three JVMs and Redis on a loaded
   * two-core machine (make bench measures the real figure, in milliseconds).
   */
  private static final Duration FRESHNESS = Duration.ofMillis(500);
  private static final Duration RUN = Duration.ofSeconds(5);
  private static final Duration START = Duration.ofSeconds(60);

  /** One answer: which proxy and key, what came back (null for none), and when. */
  record Observation(int proxy, int key, String value, long start, long end) {
  }

  @ParameterizedTest
  @ValueSource(strings = {"tracking", "broadcast"})
  void noReaderOfAnyProxySeesAValueOlderThanTheFreshnessTargetAllows(String mode) throws Exception {
    assumeFalse(ProxyStack.external(), "needs to start its own proxy processes");
    try (RedisProcess redis = RedisProcess.start()) {
      List<ProxyProcess> proxies = new ArrayList<>();
      try {
        for (int p = 0; p < PROXIES; p++) {
          int port = RedisProcess.freePort();
          proxies.add(ProxyProcess.start(port, Map.of("REDIS_HOST", "127.0.0.1",
              "REDIS_PORT", Integer.toString(redis.port()), "PROXY_PORT", Integer.toString(port), "RESP_PORT", "0",
              "CACHE_INVALIDATION", mode, "CACHE_TTL", "1h", "CACHE_MAXSIZE", "1000")));
        }
        List<ProxyClient> clients = new ArrayList<>();
        for (ProxyProcess proxy : proxies) {
          proxy.awaitListening();
          ProxyClient client = new ProxyClient(proxy.httpPort());
          Await.until(START, "tracking up on the proxy at " + proxy.httpPort(),
              () -> metrics(client).get("redis_proxy_cache_tracking_up") == 1);
          clients.add(client);
        }
        try (Jedis j = redis.client()) {
          assertThat(j.clientList().lines().filter(l -> l.contains(" name=redis-proxy-tracking ")).count())
              .as("one tracking connection per proxy, all of the same name").isEqualTo(PROXIES);
        }
        run(redis, clients);
      } finally {
        for (ProxyProcess proxy : proxies) {
          proxy.close();
        }
      }
    }
  }

  private static void run(RedisProcess redis, List<ProxyClient> clients) throws Exception {
    String[] names = new String[KEYS];
    History[] history = new History[KEYS];
    try (Jedis jedis = redis.client()) {
      for (int k = 0; k < KEYS; k++) {
        names[k] = "many:" + k;
        history[k] = new History();
        history[k].write(jedis, names[k]);
      }
    }
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS + PROXIES * READERS_PER_PROXY);
    List<Future<Long>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int first = w;
      writers.add(pool.submit(() -> write(redis, names, history, first, running)));
    }
    List<Future<List<Observation>>> readers = new ArrayList<>();
    for (int p = 0; p < PROXIES; p++) {
      for (int r = 0; r < READERS_PER_PROXY; r++) {
        int proxy = p;
        Random random = new Random(p * 100L + r);
        readers.add(pool.submit(() -> read(clients.get(proxy), proxy, random, names, running)));
      }
    }
    Thread.sleep(RUN.toMillis()); // the run's length: the clients do the work
    running.set(false);
    pool.shutdown();
    long writes = 0;
    for (Future<Long> w : writers) {
      writes += w.get(1, TimeUnit.MINUTES);
    }
    List<Observation> observations = new ArrayList<>();
    for (Future<List<Observation>> r : readers) {
      observations.addAll(r.get(1, TimeUnit.MINUTES));
    }
    for (Observation o : observations) {
      check(o, names, history);
    }
    assertThat(writes).as("writes to Redis during the run").isGreaterThan(KEYS);
    assertThat(observations).as("values served").hasSizeGreaterThan(1000);
    for (ProxyClient client : clients) {
      PrometheusText m = metrics(client);
      assertThat(m.get("redis_proxy_cache_hits_total")).as("hits of the proxy at %d", client.port()).isPositive();
      assertThat(m.get("redis_proxy_cache_tracking_invalidations_total")).as("reports to the proxy at %d", client.port())
          .isPositive();
      assertThat(m.get("redis_proxy_cache_tracking_flushes_total{reason=\"connection_lost\"}")).isZero();
    }
  }

  private static void check(Observation o, String[] names, History[] history) {
    assertThat(o.value()).as("key %d always exists in Redis", o.key()).isNotNull();
    int bar = o.value().lastIndexOf('|');
    assertThat(o.value().substring(0, bar)).as("the value served for %s", names[o.key()]).isEqualTo(names[o.key()]);
    int version = Integer.parseInt(o.value().substring(bar + 1));
    History h = history[o.key()];
    assertThat(version).as("a version the writer wrote").isLessThan(h.count);
    assertThat(h.began[version]).as("written before it was served: %s", o).isLessThanOrEqualTo(o.end());
    if (version + 1 < h.count) {
      long replacedAt = h.ended[version + 1];
      assertThat(replacedAt + FRESHNESS.toNanos())
          .as("%s served by proxy %d, %d ms after the next version was acknowledged", o, o.proxy(),
              (o.start() - replacedAt) / 1_000_000)
          .isGreaterThanOrEqualTo(o.start());
    }
  }

  /** Overwrites the writer's keys (every WRITERS-th from {@code first}) until told to stop; the number of writes. */
  private static long write(RedisProcess redis, String[] names, History[] history, int first, AtomicBoolean running)
      throws InterruptedException {
    Random random = new Random(first);
    long writes = 0;
    try (Jedis jedis = redis.client()) {
      while (running.get()) {
        int k = first + WRITERS * random.nextInt(KEYS / WRITERS);
        history[k].write(jedis, names[k]);
        writes++;
        // A short pause between writes leaves room for hits between them.
        Thread.sleep(1);
      }
    }
    return writes;
  }

  private static List<Observation> read(ProxyClient client, int proxy, Random random, String[] names,
      AtomicBoolean running) throws Exception {
    List<Observation> seen = new ArrayList<>();
    while (running.get()) {
      int k = random.nextInt(KEYS);
      long start = System.nanoTime();
      Reply r = client.get(names[k]);
      assertThat(r.status()).as("%s", r).isIn(200, 404);
      seen.add(new Observation(proxy, k, r.status() == 200 ? r.text() : null, start, System.nanoTime()));
    }
    return seen;
  }

  private static PrometheusText metrics(ProxyClient client) throws Exception {
    return PrometheusText.parse(client.send("GET", "/metrics", null).text());
  }

  /**
   * The versions written to one key, by its one writer thread: version v is {@code <key>|v}, and
   * {@code began[v]}, {@code ended[v]} bracket its SET. Read only after the writers finished.
   */
  private static final class History {
    long[] began = new long[16];
    long[] ended = new long[16];
    int count;

    void write(Jedis jedis, String name) {
      if (count == began.length) {
        began = Arrays.copyOf(began, 2 * count);
        ended = Arrays.copyOf(ended, 2 * count);
      }
      began[count] = System.nanoTime();
      jedis.set(name, name + "|" + count);
      ended[count] = System.nanoTime();
      count++;
    }
  }
}
