package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.TcpRelay;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Redis failing under the running jar while clients keep asking, over HTTP and RESP: killed,
 * stalled (SIGSTOP), restarted, and left with half-dead connections. The proxy reaches Redis
 * through a {@link TcpRelay}, which forwards bytes untouched until a test makes it swallow them.
 *
 * <p>The bounds are the contract, each with a generous margin for a loaded machine: every request
 * gets an answer within {@code REDIS_TIMEOUT} + {@link #MARGIN}; misses are served again within
 * {@link #RECOVERY} + {@link #MARGIN} of Redis accepting connections. They fail a proxy that hangs
 * or never recovers, not one that is slow. Skipped against an external deployment.
 */
class RedisFaultsIT {

  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);
  /** Slack on every bound, for a loaded two-core machine. */
  private static final Duration MARGIN = Duration.ofSeconds(5);
  /** The promise: misses are served this soon after Redis accepts connections again. */
  private static final Duration RECOVERY = Duration.ofSeconds(2);
  /** Longest a request may take while Redis fails: REDIS_TIMEOUT plus the margin. */
  private static final Duration ANSWER_BOUND = REDIS_TIMEOUT.plus(MARGIN);
  private static final int HOT_KEYS = 20;

  private static TcpRelay relay;
  private static ProxyStack stack;
  private static RedisProcess redis;
  // Makes the keys of each test (and each run of a parameterized one) distinct.
  private static final AtomicInteger ROUND = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    relay = TcpRelay.start(0);
    stack = ProxyStack.startLocal(Map.of(
        "REDIS_PORT", Integer.toString(relay.port()),
        "REDIS_TIMEOUT", REDIS_TIMEOUT.toMillis() + "ms",
        "RESP_PORT", Integer.toString(RedisProcess.freePort()),
        "MAX_PARALLEL", "2",
        "CACHE_MAXSIZE", "10000"));
    redis = stack.redisProcess();
    relay.forwardTo(redis.port());
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  @BeforeEach
  void redisRunning() throws Exception {
    if (!redis.running()) {
      redis.restart();
    }
    redis.pause(false);
    relay.forwardTo(redis.port());
  }

  /**
   * Clients hammer cached keys and misses; Redis is killed mid-run. Every request is answered
   * within the bound: a cached key with its value, a miss with its value or 404 while Redis
   * lived and with 503 (RESP: an UNAVAILABLE error) after. Nothing else, and nothing hangs.
   */
  @Test
  void redisKilledUnderLoad() throws Exception {
    String round = "kill-" + ROUND.incrementAndGet();
    List<String> hot = seedAndCacheHotKeys(round);
    seedMisses(round, 8, 400);
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService workers = Executors.newFixedThreadPool(8);
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      boolean resp = w % 4 == 3;
      int worker = w;
      running.add(workers.submit(() -> {
        work(round, worker, resp, hot, killed, stop, outcomes);
        return null;
      }));
    }
    try {
      Await.until("requests before the kill", Duration.ofSeconds(60), outcomes::size, n -> n >= 200);
      redis.kill();
      killed.set(true);
      Await.until("requests after the kill", Duration.ofSeconds(60),
          () -> outcomes.stream().filter(Outcome::afterKill).count(), n -> n >= 200);
    } finally {
      stop.set(true);
      workers.shutdown();
    }
    for (Future<?> f : running) {
      f.get(60, TimeUnit.SECONDS);
    }

    for (Outcome o : outcomes) {
      assertThat(o.problem()).as("%s", o).isNull();
      assertThat(o.nanos()).as("time to answer %s", o).isLessThanOrEqualTo(ANSWER_BOUND.toNanos());
    }
    assertThat(outcomes).filteredOn(o -> o.afterKill() && o.hot())
        .as("cached keys served after the kill").isNotEmpty().allMatch(Outcome::served);
    assertThat(outcomes).filteredOn(o -> o.afterKill() && !o.hot() && !o.served())
        .as("misses refused after the kill").isNotEmpty();
    assertThat(stack.proxyProcess().alive()).isTrue();
  }

  /** What the proxy's connection pool holds when Redis comes back. */
  enum PoolState {
    /** Redis was killed while idle: the pooled connections were closed by the kernel. */
    CLOSED_BY_A_KILL,
    /** Redis was stopped (SIGSTOP) under load, then killed: every connection busy, reads queued behind them. */
    STALLED_THEN_KILLED,
    /** Redis was stopped under load, then continued (SIGCONT): the queued reads all reach it at once. */
    STALLED_THEN_CONTINUED,
    /**
     * The connections went silent without being closed (as when the Redis host vanishes or the
     * network partitions), Redis came back and accepts new connections, the old ones stay dead.
     */
    HALF_DEAD
  }

  @ParameterizedTest
  @EnumSource(PoolState.class)
  void missesAreServedSoonAfterRedisAcceptsConnectionsAgain(PoolState state) throws Exception {
    String round = "recover-" + ROUND.incrementAndGet();
    String warm = stack.key(round + "-warm");
    stack.set(warm, "w");
    assertThat(stack.get(warm).status()).isEqualTo(200);

    Flood flood = null;
    switch (state) {
      case CLOSED_BY_A_KILL -> {
        redis.kill();
        assertThat(stack.get(stack.key(round + "-down")).status()).isEqualTo(503);
        redis.restart();
      }
      case STALLED_THEN_KILLED -> {
        redis.pause(true);
        flood = Flood.start(round, 32);
        awaitReadsInFlight(8);
        redis.kill();
        flood.stop();
        redis.restart();
      }
      case STALLED_THEN_CONTINUED -> {
        redis.pause(true);
        flood = Flood.start(round, 32);
        awaitReadsInFlight(8);
        flood.stop();
        redis.pause(false);
      }
      case HALF_DEAD -> {
        relay.blackhole();
        flood = Flood.start(round, 32);
        awaitReadsInFlight(8);
        redis.kill();
        flood.stop();
        redis.restart();
        relay.forwardTo(redis.port());
      }
    }
    long acceptingSince = System.nanoTime();
    String probe = stack.key(round + "-probe");
    stack.set(probe, "back");

    Reply served = Await.until("a miss served after Redis came back (" + state + ")", RECOVERY.plus(MARGIN),
        () -> stack.get(probe), r -> r.status() == 200);
    long recoveryNanos = System.nanoTime() - acceptingSince;

    assertThat(served.text()).isEqualTo("back");
    assertThat(recoveryNanos).as("ns from Redis accepting connections to a miss served").isLessThanOrEqualTo(
        RECOVERY.plus(MARGIN).toNanos());
    if (flood != null) {
      flood.assertEveryRequestAnswered();
    }
  }

  /**
   * A stalled Redis (SIGSTOP): misses fail at {@code REDIS_TIMEOUT}, not before and not much
   * after; the clients coalesced on one read all get the failure; cached keys are still served.
   */
  @Test
  void missesAgainstAStalledRedisFailAtRedisTimeoutAndEveryWaiterIsAnswered() throws Exception {
    String round = "stalled-" + ROUND.incrementAndGet();
    String cached = stack.key(round + "-cached");
    String slow = stack.key(round + "-slow");
    stack.set(cached, "c");
    stack.set(slow, "s");
    assertThat(stack.get(cached).status()).isEqualTo(200);
    double coalescedBefore = metrics().get("redis_proxy_cache_coalesced_total");

    redis.pause(true);
    try (RawConnection resp = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      long sent = System.nanoTime();
      for (int i = 0; i < 25; i++) {
        resp.sendCommand("GET", slow);
      }
      List<Future<Timed<Reply>>> http = new ArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(10);
      try {
        for (int i = 0; i < 10; i++) {
          http.add(clients.submit(() -> Timed.of(() -> stack.get(slow))));
        }
        for (int i = 0; i < 25; i++) {
          RawConnection.Reply r = resp.reply();
          assertThat(r.text()).as("pipelined GET %d", i).isEqualTo("UNAVAILABLE Redis timed out");
        }
        long respNanos = System.nanoTime() - sent;
        assertThat(respNanos).as("the RESP waiters failed at REDIS_TIMEOUT, not before")
            .isGreaterThanOrEqualTo(REDIS_TIMEOUT.toNanos())
            .isLessThanOrEqualTo(ANSWER_BOUND.toNanos());
        for (Future<Timed<Reply>> f : http) {
          Timed<Reply> r = f.get(60, TimeUnit.SECONDS);
          assertThat(r.value().status()).as("%s", r.value()).isEqualTo(503);
          assertThat(r.value().header("Retry-After")).isEqualTo("1");
          assertThat(r.nanos()).isLessThanOrEqualTo(ANSWER_BOUND.toNanos());
        }
      } finally {
        clients.shutdownNow();
      }
      Reply hit = stack.get(cached);
      assertThat(hit.status()).as("a cached key while Redis stalls: %s", hit).isEqualTo(200);
      assertThat(hit.text()).isEqualTo("c");
    } finally {
      redis.pause(false);
    }
    assertThat(metrics().get("redis_proxy_cache_coalesced_total") - coalescedBefore)
        .as("the pipelined GETs of one key waited on one read").isGreaterThanOrEqualTo(24);
    Reply back = Await.until("the slow key served once Redis continues", RECOVERY.plus(MARGIN),
        () -> stack.get(slow), r -> r.status() == 200);
    assertThat(back.text()).isEqualTo("s");
  }

  // --- load

  /** One request and how it went; {@code problem} is null when the answer was a permitted one. */
  record Outcome(String via, String key, boolean hot, boolean afterKill, boolean served, String problem, long nanos) {
  }

  private static void work(String round, int worker, boolean resp, List<String> hot, AtomicBoolean killed,
      AtomicBoolean stop, ConcurrentLinkedQueue<Outcome> outcomes) throws IOException {
    RawConnection conn = resp ? RawConnection.connect(stack.proxyHost(), stack.respPort()) : null;
    try {
      for (int i = 0; !stop.get() && i < 400; i++) {
        boolean isHot = i % 2 == 0;
        String key = isHot ? hot.get(i / 2 % hot.size()) : missKey(round, worker, i);
        // Hot keys hold their own name; misses with an even index exist, the others do not.
        String expected = isHot || i % 4 == 1 ? key : null;
        boolean after = killed.get();
        long start = System.nanoTime();
        String[] verdict = resp ? viaResp(conn, key, expected) : viaHttp(key, expected);
        outcomes.add(new Outcome(resp ? "resp" : "http", key, isHot, after,
            "served".equals(verdict[0]), verdict[1], System.nanoTime() - start));
      }
    } finally {
      if (conn != null) {
        conn.close();
      }
    }
  }

  /** {"served" or "refused", problem or null}. */
  private static String[] viaHttp(String key, String expected) {
    try {
      Reply r = stack.get(key);
      if (r.status() == 200 && r.text().equals(expected)) {
        return new String[] {"served", null};
      }
      if (r.status() == 404 && expected == null) {
        return new String[] {"served", null};
      }
      if (r.status() == 503 && r.header("Retry-After") != null) {
        return new String[] {"refused", null};
      }
      return new String[] {"wrong", "unexpected answer " + r};
    } catch (Exception e) {
      return new String[] {"none", "no answer: " + e};
    }
  }

  private static String[] viaResp(RawConnection conn, String key, String expected) {
    try {
      RawConnection.Reply r = conn.call("GET", key);
      if (r.type() == '$' && (expected == null ? r.isNil() : expected.equals(r.text()))) {
        return new String[] {"served", null};
      }
      if (r.isError() && r.text().startsWith("UNAVAILABLE ")) {
        return new String[] {"refused", null};
      }
      return new String[] {"wrong", "unexpected reply " + r};
    } catch (Exception e) {
      return new String[] {"none", "no reply: " + e};
    }
  }

  private static String missKey(String round, int worker, int i) {
    return stack.key(round + "-miss-" + worker + "-" + i);
  }

  /** Hot keys hold their own name as value, and are read once through the proxy so that they are cached. */
  private static List<String> seedAndCacheHotKeys(String round) throws Exception {
    List<String> hot = new ArrayList<>();
    for (int i = 0; i < HOT_KEYS; i++) {
      String k = stack.key(round + "-hot-" + i);
      stack.set(k, k);
      assertThat(stack.get(k).status()).isEqualTo(200);
      hot.add(k);
    }
    return hot;
  }

  /** Sets every other miss key (index 1, 5, 9, ...) to its own name; the rest stay missing. */
  private static void seedMisses(String round, int workers, int perWorker) {
    try (Jedis jedis = stack.redis()) {
      Pipeline p = jedis.pipelined();
      for (int w = 0; w < workers; w++) {
        for (int i = 1; i < perWorker; i += 4) {
          String k = missKey(round, w, i);
          p.set(k, k);
        }
      }
      p.sync();
    }
  }

  /** Clients asking for keys nobody cached, without pause, until stopped: Redis reads always under way. */
  private static final class Flood {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService threads;
    private final List<Future<List<Timed<Reply>>>> clients = new ArrayList<>();

    private Flood(String round, int n) {
      threads = Executors.newFixedThreadPool(n);
      CountDownLatch started = new CountDownLatch(n);
      for (int c = 0; c < n; c++) {
        String prefix = round + "-flood-" + c + "-";
        clients.add(threads.submit(() -> {
          started.countDown();
          List<Timed<Reply>> answers = new ArrayList<>();
          for (int i = 0; !stop.get(); i++) {
            String key = stack.key(prefix + i);
            answers.add(Timed.of(() -> stack.get(key)));
          }
          return answers;
        }));
      }
    }

    static Flood start(String round, int n) {
      return new Flood(round, n);
    }

    void stop() {
      stop.set(true);
      threads.shutdown();
    }

    /** Every request of the flood got a 200, 404 or 503 within the bound; none failed or hung. */
    void assertEveryRequestAnswered() throws Exception {
      for (Future<List<Timed<Reply>>> c : clients) {
        for (Timed<Reply> r : c.get(60, TimeUnit.SECONDS)) {
          assertThat(r.value().status()).as("%s", r.value()).isIn(200, 404, 503);
          assertThat(r.nanos()).as("time to answer %s", r.value()).isLessThanOrEqualTo(ANSWER_BOUND.toNanos());
        }
      }
    }
  }

  /** A result and the nanoseconds it took; a failed call fails the test where it is read. */
  record Timed<T>(T value, long nanos) {
    interface Call<T> {
      T call() throws Exception;
    }

    static <T> Timed<T> of(Call<T> call) throws Exception {
      long start = System.nanoTime();
      T value = call.call();
      return new Timed<>(value, System.nanoTime() - start);
    }
  }

  private static void awaitReadsInFlight(int atLeast) throws InterruptedException {
    Await.until(atLeast + " Redis reads under way", Duration.ofSeconds(30),
        () -> metrics().get("redis_proxy_redis_reads_in_flight"), n -> n >= atLeast);
  }

  private static PrometheusText metrics() throws Exception {
    Reply r = stack.http().send("GET", "/metrics", null);
    assertThat(r.status()).isEqualTo(200);
    return PrometheusText.parse(r.text());
  }
}
