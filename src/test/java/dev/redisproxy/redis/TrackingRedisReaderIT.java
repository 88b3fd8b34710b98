package dev.redisproxy.redis;

import dev.redisproxy.cache.InvalidationListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import dev.redisproxy.cache.Key;
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

/** The tracking reader against a real redis-server: replies and invalidations on one pipelined connection. */
class TrackingRedisReaderIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

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
    Map<String, String> all = new HashMap<>(Map.of("REDIS_URL", redis.url(), "REDIS_TIMEOUT", "500ms",
        "CACHE_INVALIDATION", "tracking"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    onContext(() -> {
      reader = TrackingRedisReader.create(vertx, config);
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
      jedis.aclSetUser("reader", "on", ">pw", "~*", "resetchannels", "-@all", "+get", "+ping");
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
      jedis.aclSetUser("reader", "on", ">pw", "~*", "resetchannels", "-@all", "+get", "+ping", "+client|tracking");
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
