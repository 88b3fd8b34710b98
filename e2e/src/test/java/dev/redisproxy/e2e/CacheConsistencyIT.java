package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RawConnection;
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
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A model-based check of what the running jar serves while Redis changes under it. One writer
 * keeps overwriting random keys in Redis with {@code <key>|<version>}, recording when each write
 * began and ended; many clients (HTTP and RESP) read random keys through the proxy, recording when
 * each request began and ended. Afterwards every value served is checked against the writer's
 * history: it is the requested key's own, it was written before the answer came, and Redis still
 * held it no more than {@code CACHE_TTL} (plus a slack for a loaded machine) before the request
 * began. Meanwhile the number of cached keys, read over RESP {@code INFO}, never exceeds
 * {@code CACHE_MAXSIZE}. The key space is four times the capacity, so eviction runs; most reads go
 * to a few hot keys, which stay cached until they expire, so a proxy that serves past the TTL is caught.
 * Skipped against an external deployment.
 */
class CacheConsistencyIT {

  private static final int KEYS = 200;
  /** Keys read most of the time: they stay in the LRU cache, so only the TTL renews them. */
  private static final int HOT = 20;
  private static final int MAX_SIZE = 50;
  private static final Duration TTL = Duration.ofMillis(500);
  /**
   * Time between Redis answering a read and the value entering the cache, plus scheduling on a
   * loaded machine. It only widens the window of values accepted; a proxy that ignores the TTL
   * serves values seconds older than that.
   */
  private static final Duration SLACK = Duration.ofSeconds(1);
  private static final Duration RUN = Duration.ofSeconds(5);
  private static final int HTTP_CLIENTS = 6;
  private static final int RESP_CLIENTS = 4;

  /** One answer: which key was asked, what came back (null for none), and when. */
  record Observation(int key, String value, long start, long end) {
  }

  @Test
  void everyValueServedIsTheKeysOwnAndNoOlderThanTheTtlAllows() throws Exception {
    try (ProxyStack stack = ProxyStack.startLocal(Map.of(
        "RESP_PORT", Integer.toString(RedisProcess.freePort()),
        "MAX_PARALLEL", "2",
        "CACHE_TTL", TTL.toMillis() + "ms",
        "CACHE_MAXSIZE", Integer.toString(MAX_SIZE)))) {
      String[] names = new String[KEYS];
      History[] history = new History[KEYS];
      try (Jedis jedis = stack.redis()) {
        for (int k = 0; k < KEYS; k++) {
          names[k] = stack.key("model-" + k);
          history[k] = new History();
          history[k].write(jedis, names[k]);
        }
      }
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(HTTP_CLIENTS + RESP_CLIENTS + 2);
      Future<Long> writer = pool.submit(() -> write(stack, names, history, running));
      Future<Integer> capacity = pool.submit(() -> largestCacheSeen(stack, running));
      List<Future<List<Observation>>> readers = new ArrayList<>();
      for (int c = 0; c < HTTP_CLIENTS + RESP_CLIENTS; c++) {
        boolean resp = c >= HTTP_CLIENTS;
        Random random = new Random(c);
        readers.add(pool.submit(() -> read(stack, names, random, resp, running)));
      }
      long end = System.nanoTime() + RUN.toNanos();
      while (System.nanoTime() < end && !writer.isDone()) {
        Thread.sleep(50); // the run's length: the clients do the work
      }
      running.set(false);
      pool.shutdown();

      long writes = writer.get(1, TimeUnit.MINUTES);
      List<Observation> observations = new ArrayList<>();
      for (Future<List<Observation>> r : readers) {
        observations.addAll(r.get(1, TimeUnit.MINUTES));
      }
      for (Observation o : observations) {
        check(o, names, history);
      }
      assertThat(capacity.get(1, TimeUnit.MINUTES)).as("most keys cached at once").isBetween(1, MAX_SIZE);
      assertThat(writes).as("writes to Redis during the run").isGreaterThan(KEYS);
      assertThat(observations).as("values served").hasSizeGreaterThan(1000);
      PrometheusText metrics = PrometheusText.parse(stack.http().send("GET", "/metrics", null).text());
      assertThat(metrics.get("redis_proxy_cache_hits_total")).as("hits").isPositive();
      assertThat(metrics.get("redis_proxy_cache_evictions_total")).as("evictions").isPositive();
      assertThat(metrics.get("redis_proxy_cache_expirations_total")).as("expirations").isPositive();
      assertThat(metrics.get("redis_proxy_cache_keys")).isLessThanOrEqualTo(MAX_SIZE);
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
      // Redis held this version until the next write ended, at the latest.
      long heldUntil = h.ended[version + 1];
      assertThat(heldUntil + TTL.toNanos() + SLACK.toNanos())
          .as("%s served %d ms after Redis stopped holding it", o,
              (o.start() - heldUntil) / 1_000_000)
          .isGreaterThanOrEqualTo(o.start());
    }
  }

  /** Overwrites random keys until told to stop; the number of writes. */
  private static long write(ProxyStack stack, String[] names, History[] history, AtomicBoolean running) {
    Random random = new Random(42);
    long writes = 0;
    try (Jedis jedis = stack.redis()) {
      while (running.get()) {
        int k = random.nextInt(KEYS);
        history[k].write(jedis, names[k]);
        writes++;
      }
    }
    return writes;
  }

  private static List<Observation> read(ProxyStack stack, String[] names, Random random, boolean resp,
      AtomicBoolean running) throws Exception {
    List<Observation> seen = new ArrayList<>();
    RawConnection conn = resp ? RawConnection.connect(stack.proxyHost(), stack.respPort()) : null;
    try {
      while (running.get()) {
        int k = random.nextInt(10) < 7 ? random.nextInt(HOT) : HOT + random.nextInt(KEYS - HOT);
        long start = System.nanoTime();
        String value;
        if (resp) {
          RawConnection.Reply r = conn.call("GET", names[k]);
          assertThat(r.type()).as("%s", r).isEqualTo('$');
          value = r.text();
        } else {
          Reply r = stack.get(names[k]);
          assertThat(r.status()).as("%s", r).isIn(200, 404);
          value = r.status() == 200 ? r.text() : null;
        }
        seen.add(new Observation(k, value, start, System.nanoTime()));
      }
    } finally {
      if (conn != null) {
        conn.close();
      }
    }
    return seen;
  }

  /** Polls the proxy's count of cached keys over RESP INFO until told to stop; the largest seen. */
  private static int largestCacheSeen(ProxyStack stack, AtomicBoolean running) throws Exception {
    int largest = 0;
    try (RawConnection conn = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      while (running.get()) {
        String info = conn.call("INFO", "cache").text();
        int keys = Integer.parseInt(info.replaceAll("(?s).*cache_keys:(\\d+).*", "$1"));
        assertThat(keys).as("cached keys").isLessThanOrEqualTo(MAX_SIZE);
        largest = Math.max(largest, keys);
      }
    }
    return largest;
  }

  /**
   * The versions written to one key, by the single writer thread: version v is {@code <key>|v},
   * and {@code began[v]}, {@code ended[v]} bracket its SET. Read only after the writer finished.
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
