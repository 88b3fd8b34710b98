package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RedisCluster;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.WriteHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Three proxy jars in front of one Redis Cluster, two with {@code CACHE_INVALIDATION=tracking} and one
 * with {@code broadcast}, none knowing of the others. Writers overwrite keys on every master with
 * {@code <key>|<version>} through a cluster client, recording when each write began and was
 * acknowledged; readers on every proxy (HTTP and RESP) read them, recording when each read began and
 * ended; midway a replica takes over its master (a manual failover). Afterwards every value served is
 * checked against the writers' history, as {@code CacheConsistencyIT} does: it is the key's own, it was
 * written before the read ended, and no write acknowledged more than {@link #BOUND} before the read
 * began had replaced it. {@code CACHE_TTL} is an hour, so only invalidations keep the proxies within
 * the bound.
 */
class ClusterConsistencyIT {

  private static final int KEYS = 300;
  /** Keys read most of the time: they stay cached, so only invalidations renew them. */
  private static final int HOT = 30;
  /**
   * How much older than the last acknowledged write a value may be: a report's trip plus scheduling on a
   * loaded machine, and after the failover the proxy's slot map check ({@code SLOT_MAP_CHECK_MS}). A
   * missed invalidation is caught: the stale value would be served for the rest of the run.
   */
  private static final Duration BOUND = Duration.ofSeconds(3);
  private static final Duration RUN = Duration.ofSeconds(8);
  private static final Duration FAILOVER_AT = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int WRITERS = 2;

  /** One answer: which proxy and key, what came back (null for none), and when. */
  record Observation(int proxy, int key, String value, long start, long end) {
  }

  @Test
  void threeProxiesServeNoValueOlderThanTheBoundAcrossAFailover() throws Exception {
    assumeFalse(ProxyStack.external(), "starts its own cluster and proxies");
    try (RedisCluster cluster = RedisCluster.start(3)) {
      WriteHistory[] history = new WriteHistory[KEYS];
      HostAndPort seed = new HostAndPort("127.0.0.1", cluster.nodes().get(0).port());
      try (JedisCluster jedis = new JedisCluster(seed, 5_000)) {
        for (int k = 0; k < KEYS; k++) {
          history[k] = new WriteHistory("model:" + k);
          history[k].write(jedis::set);
        }
      }
      cluster.awaitReplicated();
      List<ProxyProcess> proxies = new ArrayList<>();
      List<Integer> respPorts = new ArrayList<>();
      try {
        for (String mode : List.of("tracking", "tracking", "broadcast")) {
          int resp = RedisProcess.freePort();
          int http = RedisProcess.freePort();
          respPorts.add(resp);
          proxies.add(ProxyProcess.start(http, Map.of("REDIS_CLUSTER_NODES", cluster.seedNodes(),
              "CACHE_INVALIDATION", mode, "CACHE_TTL", "1h", "CACHE_MAXSIZE", "1000", "MAX_PARALLEL", "2",
              "PROXY_PORT", Integer.toString(http), "RESP_PORT", Integer.toString(resp), "REDIS_TIMEOUT", "2s")));
        }
        for (ProxyProcess p : proxies) {
          p.awaitListening();
        }
        run(cluster, proxies, respPorts, history, seed);
      } finally {
        for (ProxyProcess p : proxies) {
          p.close();
        }
      }
    }
  }

  private void run(RedisCluster cluster, List<ProxyProcess> proxies, List<Integer> respPorts, WriteHistory[] history,
      HostAndPort seed) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 3 * proxies.size());
    List<Future<Long>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      writers.add(pool.submit(() -> write(seed, writer, history, running)));
    }
    List<Future<List<Observation>>> readers = new ArrayList<>();
    for (int p = 0; p < proxies.size(); p++) {
      for (int c = 0; c < 3; c++) {
        int proxy = p;
        int port = c == 2 ? respPorts.get(p) : proxies.get(p).httpPort();
        boolean resp = c == 2;
        Random random = new Random(p * 10L + c);
        readers.add(pool.submit(() -> read(proxy, port, resp, history, random, running)));
      }
    }
    long start = System.nanoTime();
    awaitElapsed(start, FAILOVER_AT);
    RedisProcess master = cluster.masterForSlot(JedisClusterCRC16.getSlot(history[0].key()));
    RedisProcess replica = cluster.replicaOf(master);
    try (Jedis j = replica.client()) {
      assertThat(j.clusterFailover()).isEqualTo("OK");
    }
    Await.until(WAIT, "the replica promoted", () -> {
      try (Jedis j = replica.client()) {
        return j.info("replication").contains("role:master");
      }
    });
    awaitElapsed(start, RUN);
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
      history[o.key()].check(o.value(), o.start(), o.end(), BOUND, o + " (proxy " + o.proxy() + ")");
    }
    assertThat(writes).as("writes during the run").isGreaterThan(KEYS);
    for (int p = 0; p < proxies.size(); p++) {
      int proxy = p;
      assertThat(observations.stream().filter(o -> o.proxy() == proxy).count()).as("reads of proxy %d", p)
          .isGreaterThan(500);
      PrometheusText metrics = PrometheusText.parse(
          new ProxyClient(proxies.get(p).httpPort()).send("GET", "/metrics", null).text());
      assertThat(metrics.get("redis_proxy_cache_hits_total")).as("hits of proxy %d", p).isPositive();
    }
  }

  /** Waits, without doing the work itself, until {@code elapsed} has passed since {@code start}. */
  private static void awaitElapsed(long start, Duration elapsed) throws InterruptedException {
    while (System.nanoTime() - start < elapsed.toNanos()) {
      Thread.sleep(50); // the run's length: the clients do the work
    }
  }

  /** Overwrites random keys of its own ({@code k % WRITERS == writer}) until told to stop; the number of writes. */
  private static long write(HostAndPort seed, int writer, WriteHistory[] history, AtomicBoolean running)
      throws InterruptedException {
    Random random = new Random(42 + writer);
    long writes = 0;
    try (JedisCluster jedis = new JedisCluster(seed, 5_000)) {
      while (running.get()) {
        int k = random.nextInt(KEYS / WRITERS) * WRITERS + writer;
        history[k].write(jedis::set);
        writes++;
      }
    }
    return writes;
  }

  private static List<Observation> read(int proxy, int port, boolean resp, WriteHistory[] history, Random random,
      AtomicBoolean running) throws Exception {
    List<Observation> seen = new ArrayList<>();
    ProxyClient http = new ProxyClient(port);
    try (RawConnection conn = resp ? RawConnection.plain(port) : null) {
      while (running.get()) {
        int k = random.nextInt(10) < 7 ? random.nextInt(HOT) : HOT + random.nextInt(KEYS - HOT);
        long start = System.nanoTime();
        String value;
        if (resp) {
          RawConnection.Reply r = conn.call("GET", history[k].key());
          if (r.isError()) {
            continue; // a read that fails during the failover serves nothing stale
          }
          value = r.text();
        } else {
          Reply r = http.get(history[k].key());
          if (r.status() >= 500) {
            continue;
          }
          value = r.status() == 200 ? r.text() : null;
        }
        seen.add(new Observation(proxy, k, value, start, System.nanoTime()));
      }
    }
    return seen;
  }
}
