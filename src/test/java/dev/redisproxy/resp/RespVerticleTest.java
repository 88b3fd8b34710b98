package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LocalCodec;
import dev.redisproxy.cache.LookupAnswers;
import dev.redisproxy.cache.LookupReply;
import dev.redisproxy.cache.LookupRequest;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.security.ConnectionGate;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RedisProcess;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RESP verticle against a fake cache on the event bus, which answers lookups when the test
 * says so: reply order and the lookup budget, checked without any timing.
 */
class RespVerticleTest {

  private Vertx vertx;
  private int port;
  private final PrometheusMeterRegistry registry = ProxyMetrics.newRegistry();
  // Lookups the fake cache has received and the test has not taken yet.
  private final BlockingQueue<PendingKey> lookups = new LinkedBlockingQueue<>();
  private final AtomicInteger received = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  // The most lookups ever received and not yet answered.
  private final AtomicInteger mostOutstanding = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    LocalCodec.registerAll(vertx);
    port = RedisProcess.freePort();
    ProxyConfig config = ConfigLoader.load(null, Map.of("RESP_PORT", Integer.toString(port)));
    vertx.eventBus().<LookupRequest>localConsumer(CacheVerticle.LOOKUP, msg -> {
      LookupRequest request = msg.body();
      for (int i = 0; i < request.size(); i++) {
        mostOutstanding.accumulateAndGet(received.incrementAndGet() - answered.get(), Math::max);
        lookups.add(new PendingKey(request.replyTo(), request.ticket(i), request.key(i)));
      }
    }).completion().await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(() -> new RespVerticle(config, new ConnectionGate(10), new ProxyMetrics(registry, new ConnectionGate(10))),
        new DeploymentOptions()).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void laterHitDoesNotOvertakeEarlierMiss() throws Exception {
    try (RawConnection c = RawConnection.plain(port)) {
      warmUp(c);
      c.send("GET slow\r\nGET fast\r\nPING\r\n");
      PendingKey slow = next();
      PendingKey fast = next();
      assertThat(slow.key().toString()).isEqualTo("slow");
      answer(fast, "F");
      answer(slow, "S");
      String expected = "$1\r\nS\r\n$1\r\nF\r\n+PONG\r\n";
      c.expect(expected);
    }
  }

  @Test
  void failuresMapToRespErrors() throws Exception {
    try (RawConnection c = RawConnection.plain(port)) {
      c.send("GET a\r\nGET b\r\nGET c\r\nMGET d e\r\n");
      fail(next(), Failure.REDIS_ERROR, "WRONGTYPE Operation against a key holding the wrong kind of value");
      fail(next(), Failure.TIMEOUT, "Redis did not answer within 1000 ms");
      fail(next(), Failure.UNAVAILABLE, "Connection refused");
      fail(next(), Failure.REDIS_ERROR, "WRONGTYPE Operation against a key holding the wrong kind of value");
      answer(next(), "E");
      String expected = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
          + "-UNAVAILABLE Redis timed out\r\n"
          + "-UNAVAILABLE Redis unavailable: Connection refused\r\n"
          + "*2\r\n$-1\r\n$1\r\nE\r\n";
      c.expect(expected);
    }
    assertThat(requests("ok")).as("MGET with a WRONGTYPE key is a normal reply").isEqualTo(1);
    assertThat(requests("redis_error")).isEqualTo(1);
    assertThat(requests("unavailable")).isEqualTo(2);
  }

  private double requests(String status) {
    return registry.get("redis.proxy.requests").tag("frontend", "resp").tag("status", status).counter().count();
  }

  @Test
  void bigMgetIsLookedUpWithinTheConnectionsBudget() throws Exception {
    int keys = 3 * RespConnection.MAX_LOOKUPS_IN_FLIGHT + 7;
    StringBuilder request = new StringBuilder("MGET");
    StringBuilder expected = new StringBuilder("*" + keys + "\r\n");
    for (int i = 0; i < keys; i++) {
      request.append(" k").append(i);
      String value = "v" + i;
      expected.append('$').append(value.length()).append("\r\n").append(value).append("\r\n");
    }
    try (RawConnection c = RawConnection.plain(port)) {
      warmUp(c);
      c.send(request.append("\r\n").toString());
      List<PendingKey> first = new ArrayList<>();
      for (int i = 0; i < RespConnection.MAX_LOOKUPS_IN_FLIGHT; i++) {
        first.add(next());
      }
      List<String> seen = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        PendingKey lookup = i < first.size() ? first.get(i) : next();
        String key = lookup.key().toString();
        seen.add(key);
        answer(lookup, "v" + key.substring(1));
      }
      c.expect(expected.toString());
      assertThat(seen).first().isEqualTo("k0");
      assertThat(seen).last().isEqualTo("k" + (keys - 1));
    }
    // The first MAX lookups were all outstanding at once, and never more.
    assertThat(mostOutstanding.get()).isEqualTo(RespConnection.MAX_LOOKUPS_IN_FLIGHT);
  }

  /**
   * GETs of values as large as a connection's byte bound, pipelined: each is looked up only once the
   * one before has been written, never two at a time, and the replies come back whole and in order.
   */
  @Test
  void pipelinedGetsOfLargeValuesAreLookedUpOneAtATime() throws Exception {
    int gets = 6;
    int size = ReplyBytes.MAX_QUEUED_BYTES;
    String header = "$" + size + "\r\n";
    int reply = header.length() + size + 2;
    try (RawConnection c = RawConnection.plain(port)) {
      StringBuilder request = new StringBuilder();
      for (int i = 0; i < gets; i++) {
        request.append("GET big").append(i).append("\r\n");
      }
      c.send(request.toString());
      CompletableFuture<byte[]> replies = CompletableFuture.supplyAsync(() -> readQuietly(c, gets * reply));
      for (int i = 0; i < gets; i++) {
        PendingKey lookup = next();
        assertThat(lookup.key().toString()).isEqualTo("big" + i);
        answer(lookup, filled(size, i));
      }
      byte[] got = replies.get(30, TimeUnit.SECONDS);
      for (int i = 0; i < gets; i++) {
        int at = i * reply;
        assertThat(new String(got, at, header.length(), StandardCharsets.US_ASCII)).isEqualTo(header);
        byte[] value = Arrays.copyOfRange(got, at + header.length(), at + header.length() + size);
        assertThat(value).as("reply %d", i).isEqualTo(filled(size, i));
      }
    }
    assertThat(mostOutstanding.get()).as("lookups outstanding at once").isEqualTo(1);
  }

  /** An MGET whose first value fills a batch sends it at once, before its other keys are answered. */
  @Test
  void anMgetStreamsItsValuesInOrderAsTheyArrive() throws Exception {
    String large = "x".repeat(RespConnection.STREAM_BYTES);
    try (RawConnection c = RawConnection.plain(port)) {
      warmUp(c);
      c.send("MGET a b c\r\n");
      PendingKey a = next();
      PendingKey b = next();
      PendingKey d = next();
      answer(a, large);
      c.expect("*3\r\n$" + large.length() + "\r\n" + large + "\r\n");
      answer(d, "C");
      answer(b, "B");
      c.expect("$1\r\nB\r\n$1\r\nC\r\n");
    }
  }

  private static byte[] readQuietly(RawConnection c, int n) {
    try {
      return c.read(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] filled(int size, int b) {
    byte[] value = new byte[size];
    Arrays.fill(value, (byte) b);
    return value;
  }

  /**
   * A fresh connection looks up one key at a time until answers show its values are small
   * ({@link ReplyBytes}): eight one-byte answers take it to the whole budget of lookups in flight.
   */
  private void warmUp(RawConnection c) throws Exception {
    int gets = Integer.numberOfTrailingZeros(Lookups.MAX_IN_FLIGHT);
    c.send("GET w\r\n".repeat(gets));
    for (int i = 0; i < gets; i++) {
      answer(next(), "w");
    }
    c.expect("$1\r\nw\r\n".repeat(gets));
  }

  private PendingKey next() throws InterruptedException {
    PendingKey msg = lookups.poll(30, TimeUnit.SECONDS);
    assertThat(msg).as("a lookup reached the cache").isNotNull();
    return msg;
  }

  /** Answers one key, in a message of its own, as the cache does for a miss. */
  private void answer(PendingKey key, String value) {
    answer(key, value.getBytes(StandardCharsets.UTF_8));
  }

  private void answer(PendingKey key, byte[] value) {
    answered.incrementAndGet();
    LookupAnswers answers = new LookupAnswers(1);
    answers.answer(key.ticket(), LookupReply.hit(Buffer.buffer(value), 0));
    vertx.eventBus().send(key.replyTo(), answers);
  }

  private void fail(PendingKey key, Failure failure, String message) {
    answered.incrementAndGet();
    LookupAnswers answers = new LookupAnswers(1);
    answers.answer(key.ticket(), LookupReply.failed(failure, message));
    vertx.eventBus().send(key.replyTo(), answers);
  }

  /** One key the fake cache received, with where and with which ticket its answer goes. */
  private record PendingKey(String replyTo, int ticket, Key key) {
  }
}
