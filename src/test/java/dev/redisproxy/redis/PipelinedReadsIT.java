package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.TcpRelay;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Misses pipelined over a few held connections ({@link PipelinedRedis}), against a real redis-server
 * behind a {@link TcpRelay} that counts connections and bytes: many reads at once share
 * {@code REDIS_POOL_SIZE} connections and each gets its own key's answer, an error reply fails only
 * its own read, and a connection cut under load fails only the reads on it.
 */
class PipelinedReadsIT {

  /** A deadline against a hang, not a timing assertion. */
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final String OK = "ok:";
  private static final String FAILED = "failed:";

  private RedisProcess redis;
  private TcpRelay relay;
  private ReaderHarness harness;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    relay = TcpRelay.start(redis.port());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.onContext(harness.reader::close);
      harness.close();
    }
    relay.close();
    redis.close();
  }

  private void startReader(int connections) {
    // A timeout far longer than the test: no read may end by timing out.
    harness = new ReaderHarness(Map.of("REDIS_URL", relay.url(), "REDIS_POOL_SIZE", Integer.toString(connections),
        "REDIS_TIMEOUT", "60s"));
  }

  @Test
  void manyConcurrentMissesShareTheConnectionsAndEachGetsItsOwnAnswer() throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    try (Jedis jedis = redis.client()) {
      Pipeline p = jedis.pipelined();
      for (int i = 0; i < 4000; i++) {
        String key = "key:" + i;
        if (i % 7 == 3) {
          expected.put(key, OK + null);
        } else if (i % 500 == 250) {
          p.rpush(key, "not a string");
          expected.put(key, FAILED + Failure.REDIS_ERROR + " WRONGTYPE");
        } else {
          p.set(key, "value of " + key);
          expected.put(key, OK + "value of " + key);
        }
      }
      p.sync();
    }
    startReader(2);
    // All at once, far more than the connections: without pipelining most would wait for one.
    List<String> keys = new ArrayList<>(expected.keySet());
    assertThat(outcomes(keys)).containsExactlyElementsOf(expected.values());
    assertThat(relay.acceptedConnections()).as("connections opened").isBetween(1, 2);
  }

  /**
   * While Redis is stopped nothing can be answered, yet every read reaches it over the one connection:
   * they are pipelined, not lent the connection one at a time.
   */
  @Test
  void readsArePipelinedOnOneConnection() throws Exception {
    Map<String, String> values = values(100);
    startReader(1);
    assertThat(outcomes(List.of("warm-up"))).containsExactly(OK + null);
    long before = relay.bytesForwarded();
    redis.pause(true);
    List<Future<RedisValue>> reads;
    try {
      reads = start(new ArrayList<>(values.keySet()));
      long frames = values.keySet().stream().mapToLong(this::getFrameLength).sum();
      Await.until(DEADLINE, "every read written to the stopped Redis", () -> relay.bytesForwarded() - before >= frames);
    } finally {
      redis.pause(false);
    }
    assertThat(outcomesOf(reads)).containsExactlyElementsOf(values.values().stream().map(v -> OK + v).toList());
    assertThat(relay.acceptedConnections()).as("connections opened").isEqualTo(1);
  }

  /**
   * Connections cut with reads pipelined on them (Redis stopped, so none was answered): those reads
   * fail as UNAVAILABLE, none hangs or gets another key's answer, and the next reads open new
   * connections and succeed.
   */
  @Test
  void connectionsCutUnderPipelinedLoadFailOnlyTheirReadsAndNewReadsSucceed() throws Exception {
    Map<String, String> values = values(1000);
    List<String> keys = new ArrayList<>(values.keySet());
    List<String> expected = values.values().stream().map(v -> OK + v).toList();
    startReader(2);
    assertThat(outcomes(keys)).containsExactlyElementsOf(expected);
    int opened = relay.acceptedConnections();
    long before = relay.bytesForwarded();
    redis.pause(true);
    List<Future<RedisValue>> cut;
    try {
      cut = start(keys);
      long frames = keys.stream().mapToLong(this::getFrameLength).sum();
      Await.until(DEADLINE, "every read written to the stopped Redis", () -> relay.bytesForwarded() - before >= frames);
      relay.dropConnections();
      assertThat(outcomesOf(cut)).allSatisfy(outcome -> assertThat(outcome).startsWith(FAILED + Failure.UNAVAILABLE));
    } finally {
      redis.pause(false);
    }
    assertThat(outcomes(keys)).containsExactlyElementsOf(expected);
    assertThat(relay.acceptedConnections()).as("connections opened again").isBetween(opened + 1, opened + 2);
  }

  /** Keys with values that name them, set in Redis. */
  private Map<String, String> values(int count) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      values.put("k:" + i, "value of k:" + i);
    }
    try (Jedis jedis = redis.client()) {
      Pipeline p = jedis.pipelined();
      values.forEach(p::set);
      p.sync();
    }
    return values;
  }

  /** The bytes of a first read of the key in RESP: {@code GETRANGE key 0 16384}, then {@code PTTL key} (see ValueRead). */
  private long getFrameLength(String key) {
    int length = key.getBytes(StandardCharsets.UTF_8).length;
    String max = Long.toString(Math.min(ValueRead.SMALL_VALUE, harness.config.maxValueSize()));
    String bulkKey = "$" + length + "\r\n";
    return ("*4\r\n$8\r\nGETRANGE\r\n" + bulkKey).length() + length + 2 + "$1\r\n0\r\n".length()
        + ("$" + max.length() + "\r\n" + max + "\r\n").length()
        + ("*2\r\n$4\r\nPTTL\r\n" + bulkKey).length() + length + 2;
  }

  /** Reads every key at once, all started in one turn of the reader's context. */
  private List<Future<RedisValue>> start(List<String> keys) throws Exception {
    return harness.onContext(() -> Future.succeededFuture(keys.stream().map(k -> harness.reader.get(Key.of(k))).toList()));
  }

  private List<String> outcomes(List<String> keys) throws Exception {
    return outcomesOf(start(keys));
  }

  /** Each read's outcome, in order: {@code ok:<value or null>} or {@code failed:<Failure> <first word of the message>}. */
  private List<String> outcomesOf(List<Future<RedisValue>> reads) throws Exception {
    return harness.onContext(() -> Future.join(reads).transform(done -> Future.succeededFuture(reads.stream().map(r -> {
      if (r.succeeded()) {
        return OK + (r.result().found() ? r.result().value().toString() : null);
      }
      LookupException e = (LookupException) r.cause();
      return FAILED + e.failure() + " " + e.getMessage().split(" ", 2)[0];
    }).toList())));
  }
}
