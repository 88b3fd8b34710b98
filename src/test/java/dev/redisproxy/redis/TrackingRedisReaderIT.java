package dev.redisproxy.redis;

import dev.redisproxy.cache.InvalidationListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.LogCapture;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.TestCertificates;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.params.SetParams;

/** The tracking reader against a real redis-server: replies and invalidations on one pipelined connection. */
class TrackingRedisReaderIT {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes(StandardCharsets.US_ASCII);

  private final Vertx vertx = Vertx.vertx();
  // Created from the test thread: an event-loop context of its own, standing in for the cache verticle's.
  private final Context context = vertx.getOrCreateContext();
  // What the reader reported, in order: "key", "*flush" or "*lost".
  private final ConcurrentLinkedQueue<String> reports = new ConcurrentLinkedQueue<>();
  private RedisProcess redis;
  private TrackingRedisReader reader;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (reader != null) {
      onContext(reader::close);
    }
    vertx.close().await();
    redis.close();
  }

  private void start(Map<String, String> env) throws Exception {
    start(env, -1);
  }

  /** Starts the reader; {@code maxValue} the largest value it reads, or negative for the configured default. */
  private void start(Map<String, String> env, long maxValue) throws Exception {
    Map<String, String> all = new HashMap<>(Map.of("REDIS_URL", redis.url(), "REDIS_TIMEOUT", "500ms",
        "CACHE_INVALIDATION", "tracking"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    onContext(() -> {
      reader = maxValue < 0 ? TrackingRedisReader.create(vertx, config) : TrackingRedisReader.create(vertx, config, maxValue);
      reader.invalidations(new InvalidationListener() {
        @Override
        public void invalidate(Key key) {
          reports.add(key.toString());
        }

        @Override
        public void invalidateAll(boolean connectionLost) {
          reports.add(connectionLost ? "*lost" : "*flush");
        }
      });
      return Future.succeededFuture();
    });
  }

  private void awaitTracking(boolean up) throws InterruptedException {
    Await.until(WAIT, "tracking " + (up ? "up" : "down"), () -> onContext(() -> Future.succeededFuture(reader.cacheable())) == up);
  }

  private String read(String key) throws Exception {
    Buffer value = onContext(() -> reader.get(Key.of(key)).map(RedisValue::value));
    return value == null ? null : value.toString();
  }

  @Test
  void pipelinedReadsGetTheirOwnKeysWhileInvalidationsArriveBetweenTheReplies() throws Exception {
    int keys = 50;
    for (int i = 0; i < keys; i++) {
      redis.set("k" + i, "k" + i + "=0");
    }
    start(Map.of("REDIS_TIMEOUT", "10s"));
    awaitTracking(true);
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer = new Thread(() -> {
      try (Jedis jedis = redis.client()) {
        for (int n = 1; writing.get(); n++) {
          jedis.set("k" + (n % keys), "k" + (n % keys) + "=" + n);
        }
      }
    });
    writer.start();
    AtomicInteger wrong = new AtomicInteger();
    try {
      for (int round = 0; round < 10; round++) {
        onContext(() -> {
          List<Future<RedisValue>> reads = new ArrayList<>();
          for (int i = 0; i < 1000; i++) {
            String key = "k" + (i % keys);
            reads.add(reader.get(Key.of(key)).onSuccess(v -> {
              if (!v.found() || !v.value().toString().startsWith(key + "=")) {
                wrong.incrementAndGet();
              }
            }));
          }
          return Future.all(reads);
        });
      }
    } finally {
      writing.set(false);
      writer.join();
    }
    assertThat(wrong.get()).as("replies handed to the wrong read").isZero();
    assertThat(reports).as("invalidations arrived between the replies").isNotEmpty().doesNotContain("*lost");
  }

  @Test
  void aKeyReadIsReportedWhenWrittenAndEveryKeyWhenRedisIsFlushed() throws Exception {
    redis.set("a", "1");
    start(Map.of());
    awaitTracking(true);
    assertThat(read("a")).isEqualTo("1");
    assertThat(read("b")).as("a missing key is tracked too").isNull();
    redis.set("a", "2");
    Await.until(WAIT, "report of a", () -> reports.contains("a"));
    redis.set("b", "x");
    Await.until(WAIT, "report of b", () -> reports.contains("b"));
    assertThat(read("a")).isEqualTo("2");
    try (Jedis jedis = redis.client()) {
      jedis.flushAll();
    }
    Await.until(WAIT, "report of the flush", () -> reports.contains("*flush"));
    assertThat(onContext(() -> Future.succeededFuture(reader.cacheable()))).isTrue();
  }

  @Test
  void readsTheValueAndTimeToLiveOverTheTrackingConnectionAndRefusesATooLargeValue() throws Exception {
    try (Jedis j = redis.client()) {
      j.set("px", "1", SetParams.setParams().px(60_000));
      j.set("ex", "2", SetParams.setParams().ex(120));
      j.set("at", "3");
      j.expireAt("at", Long.parseLong(j.time().get(0)) + 300);
      j.set("none", "4");
      j.set("empty", "");
      j.set("big", "x".repeat(101));
      j.rpush("list", "x");
      j.configResetStat();
    }
    start(Map.of(), 100);
    awaitTracking(true);
    assertThat(value("px").ttlMillis()).isBetween(1L, 60_000L);
    assertThat(value("ex").ttlMillis()).isBetween(60_001L, 120_000L);
    assertThat(value("at").ttlMillis()).isBetween(120_001L, 301_000L);
    assertThat(value("none").ttlMillis()).isEqualTo(RedisValue.NO_TTL);
    assertThat(value("none").value().toString()).isEqualTo("4");
    assertThat(value("empty").value().length()).isZero();
    assertThat(value("missing")).isSameAs(RedisValue.MISSING);
    assertThat(failureOf("big").failure()).isEqualTo(Failure.TOO_LARGE);
    assertThat(failureOf("big").getMessage()).isEqualTo("value larger than 100 bytes, the most this proxy reads");
    assertThat(failureOf("list").getMessage()).isEqualTo("WRONGTYPE Operation against a key holding the wrong kind of value");
    assertThat(value("px").value().toString()).as("served after a refusal").isEqualTo("1");
    try (Jedis j = redis.client()) {
      assertThat(j.info("commandstats")).as("pipelined, no transaction").contains("cmdstat_pttl:").contains("cmdstat_getrange:")
          .doesNotContain("cmdstat_multi:").doesNotContain("cmdstat_exec:");
    }
    assertThat(reports).as("every read went over the tracking connection, none lost it").doesNotContain("*lost");
    redis.set("none", "changed");
    Await.until(WAIT, "report of a key read with GETRANGE and PTTL", () -> reports.contains("none"));
  }

  /** A value longer than a first read: measured (STRLEN) and read whole on the tracking connection, then reported. */
  @Test
  void aLargeValueIsMeasuredAndReadWholeOverTheTrackingConnection() throws Exception {
    String large = "v".repeat((int) ValueRead.SMALL_VALUE * 3);
    redis.set("large", large);
    start(Map.of());
    awaitTracking(true);
    assertThat(value("large").value().toString()).isEqualTo(large);
    try (Jedis j = redis.client()) {
      assertThat(j.info("commandstats")).contains("cmdstat_strlen:calls=1,").contains("cmdstat_getrange:calls=2,");
    }
    assertThat(reports).doesNotContain("*lost");
    redis.set("large", "small now");
    Await.until(WAIT, "report of the large key", () -> reports.contains("large"));
  }

  /**
   * Redis reports an expired tracked key only once it deletes it, on access or by the active expire
   * cycle; never at the instant it expires. With that cycle off, the key expires unreported until it
   * is touched: the cache cannot rely on the report, and caps an entry's life by the PTTL read with it.
   */
  @Test
  void anExpiredKeyIsReportedWhenRedisDeletesItNotWhenItExpires() throws Exception {
    redis.close();
    redis = RedisProcess.start(List.of("--enable-debug-command", "local"));
    start(Map.of());
    awaitTracking(true);
    try (Jedis j = redis.client()) {
      j.sendCommand(DEBUG, "SET-ACTIVE-EXPIRE", "0");
      j.set("session", "s", SetParams.setParams().px(100));
      assertThat(value("session").ttlMillis()).isBetween(1L, 100L);
      long setAt = Long.parseLong(j.time().get(0)) * 1000 + Long.parseLong(j.time().get(1)) / 1000;
      Await.until(WAIT, "200 ms on Redis's clock",
          () -> Long.parseLong(j.time().get(0)) * 1000 + Long.parseLong(j.time().get(1)) / 1000 >= setAt + 200);
      assertThat(j.dbSize()).as("expired, not yet deleted").isEqualTo(1);
      assertThat(reports).as("no report for a key that expired but was not deleted").doesNotContain("session");
      // Any access deletes it, and the deletion is reported.
      assertThat(j.exists("session")).isFalse();
      Await.until(WAIT, "report of the deleted key", () -> reports.contains("session"));
      j.sendCommand(DEBUG, "SET-ACTIVE-EXPIRE", "1");
      j.set("token", "t", SetParams.setParams().px(50));
      assertThat(value("token").found()).isTrue();
      Await.until(WAIT, "report of a key the active expire cycle deleted", () -> reports.contains("token"));
    }
  }

  private RedisValue value(String key) throws Exception {
    return onContext(() -> reader.get(Key.of(key)));
  }

  private LookupException failureOf(String key) throws Exception {
    try {
      RedisValue v = value(key);
      throw new AssertionError("read of " + key + " should have failed, got " + v);
    } catch (java.util.concurrent.ExecutionException e) {
      return (LookupException) e.getCause();
    }
  }

  @Test
  void aRedisThatStopsAnsweringIsDroppedAfterRedisTimeoutAndTrackedAgainWhenItAnswers() throws Exception {
    start(Map.of("REDIS_TIMEOUT", "300ms"));
    awaitTracking(true);
    try (LogCapture log = new LogCapture(TrackingRedisReader.class)) {
      redis.pause(true);
      try {
        Await.until(WAIT, "loss reported", () -> reports.contains("*lost"));
        assertThat(onContext(() -> Future.succeededFuture(reader.cacheable()))).isFalse();
      } finally {
        redis.pause(false);
      }
      awaitTracking(true);
      assertThat(log.messages(Level.WARN)).first().asString()
          .contains("lost (no answer to PING within 300 ms): cache dropped");
    }
  }

  @Test
  void aKilledConnectionIsReportedAndReplacedAndAKilledRedisIsTrackedAgainAfterItsRestart() throws Exception {
    start(Map.of());
    awaitTracking(true);
    killTrackingConnection(redis);
    Await.until(WAIT, "loss reported", () -> reports.contains("*lost"));
    awaitTracking(true);
    redis.kill();
    Await.until(WAIT, "second loss reported", () -> reports.stream().filter("*lost"::equals).count() == 2);
    redis.restart();
    redis.set("k", "after restart");
    awaitTracking(true);
    assertThat(read("k")).isEqualTo("after restart");
  }

  @Test
  void aUserThatMayNotTrackReadsThroughThePoolAndTheReasonIsLoggedOnce() throws Exception {
    try (Jedis jedis = redis.client()) {
      jedis.aclSetUser("reader", "on", ">pw", "~*", "resetchannels", "-@all", "+getrange", "+pttl", "+get", "+ping");
      jedis.set("k", "v");
    }
    try (LogCapture log = new LogCapture(TrackingRedisReader.class)) {
      start(Map.of("REDIS_URL", "redis://reader:pw@127.0.0.1:" + redis.port()));
      Await.until(WAIT, "the refusal logged", () -> !log.messages(Level.ERROR).isEmpty());
      assertThat(read("k")).isEqualTo("v");
      assertThat(onContext(() -> Future.succeededFuture(reader.cacheable()))).isFalse();
      assertThat(log.messages(Level.ERROR)).singleElement().asString()
          .contains("refused the tracking connection (CLIENT TRACKING ON refused: NOPERM")
          .contains("+client|tracking");
    }
  }

  @Test
  void anAclUserAllowedToTrackIsTracked() throws Exception {
    try (Jedis jedis = redis.client()) {
      jedis.aclSetUser("reader", "on", ">pw", "~*", "resetchannels", "-@all", "+getrange", "+pttl", "+get", "+ping", "+client|tracking");
      jedis.set("k", "v");
    }
    start(Map.of("REDIS_URL", "redis://reader:pw@127.0.0.1:" + redis.port()));
    awaitTracking(true);
    assertThat(read("k")).isEqualTo("v");
    redis.set("k", "w");
    Await.until(WAIT, "report of k", () -> reports.contains("k"));
  }

  @Test
  void overTlsWithAClientCertificateAndAPassword() throws Exception {
    assumeTrue(TestCertificates.available(), "openssl is not on PATH: the TLS test needs it to make certificates");
    TestCertificates certs = TestCertificates.create();
    redis.close();
    int tlsPort = RedisProcess.freePort();
    redis = RedisProcess.start(List.of("--tls-port", Integer.toString(tlsPort),
        "--tls-cert-file", certs.serverCert.toString(), "--tls-key-file", certs.serverKey.toString(),
        "--tls-ca-cert-file", certs.caCert.toString(), "--tls-auth-clients", "yes"));
    try (Jedis jedis = redis.client()) {
      jedis.configSet("requirepass", "s3cret");
    }
    start(Map.of("REDIS_URL", "rediss://127.0.0.1:" + tlsPort, "REDIS_PASSWORD", "s3cret",
        "REDIS_TLS_CA", certs.caCert.toString(), "REDIS_TLS_CERT", certs.clientCert.toString(),
        "REDIS_TLS_KEY", certs.clientKey.toString()));
    awaitTracking(true);
    try (Jedis jedis = redis.client()) {
      jedis.auth("s3cret");
      jedis.set("k", "v1");
      assertThat(read("k")).isEqualTo("v1");
      jedis.set("k", "v2");
    }
    Await.until(WAIT, "report of k", () -> reports.contains("k"));
  }

  /** {@code CLIENT KILL ID} of the connection named {@link TrackingConnection#CLIENT_NAME}; fails if there is none. */
  static void killTrackingConnection(RedisProcess redis) {
    try (Jedis jedis = redis.client()) {
      String line = jedis.clientList().lines().filter(l -> l.contains(" name=" + TrackingConnection.CLIENT_NAME + " "))
          .findFirst().orElseThrow(() -> new AssertionError("no tracking connection in CLIENT LIST"));
      assertThat(line).as("tracking on (flag t)").containsPattern(" flags=\\w*t");
      String id = line.substring(3, line.indexOf(' '));
      jedis.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", id);
    }
  }

  /** Runs the call on the reader's context, as the cache verticle does, and waits for it. */
  private <T> T onContext(Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(result::complete, result::completeExceptionally));
    return result.get(30, TimeUnit.SECONDS);
  }
}
