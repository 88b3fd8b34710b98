package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RawConnection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntFunction;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The jar in a small heap ({@code -Xmx192m} through {@code JAVA_TOOL_OPTIONS}, as a user would set
 * it), its default byte budget, and Redis holding {@link #VALUES} distinct values of
 * {@link #VALUE_BYTES}: about twice the heap. Read in full several times over, one after another
 * and {@link #CONCURRENCY} at a time, every request gets the right bytes (compared by SHA-256), the
 * cache stays within its budget, a small key is still served and the proxy stays up and live.
 * Skipped against an external deployment (it sets the heap).
 *
 * <p>What happens when the heap does run out is {@link OutOfMemoryIT}'s.
 */
class SmallHeapIT {

  static final String HEAP = "-Xmx192m";
  static final int VALUES = 100;
  static final int VALUE_BYTES = 4 << 20;
  static final int CONCURRENCY = 8;
  /** Times the whole set is read in each test: about four heaps' worth. */
  static final int ROUNDS = 2;

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of(
      "JAVA_TOOL_OPTIONS", HEAP, "RESP_PORT", ProxyStack.FREE_PORT));

  // SHA-256 of value i, as seeded.
  private static List<String> digests;
  private static ExecutorService clients;

  @BeforeAll
  static void seed() throws Exception {
    digests = seedValues(stack, VALUES, SmallHeapIT::key);
    clients = Executors.newFixedThreadPool(CONCURRENCY);
  }

  @AfterAll
  static void stopClients() {
    if (clients != null) {
      clients.shutdownNow();
    }
  }

  @Test
  void largeValuesReadOneAfterAnotherComeBackExact() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      for (int i = 0; i < VALUES; i++) {
        assertServedExactly(i);
      }
      assertStillServing();
    }
  }

  @Test
  void largeValuesReadEightAtATimeComeBackExact() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      readAllConcurrently(() -> { });
      assertStillServing();
    }
  }

  /** The byte gauges ({@code /metrics}, INFO cache) stay within the budget after every batch of reads. */
  @Test
  void theCacheNeverHoldsMoreThanItsBudget() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      readAllConcurrently(SmallHeapIT::assertWithinBudget);
    }
  }

  /** Reads every value, {@link #CONCURRENCY} at a time; after each batch of that many, runs the check. */
  private static void readAllConcurrently(Check afterBatch) throws Exception {
    List<Future<?>> reads = new ArrayList<>();
    for (int i = 0; i < VALUES; i++) {
      int index = i;
      reads.add(clients.submit(() -> {
        assertServedExactly(index);
        return null;
      }));
      if (reads.size() == CONCURRENCY || i == VALUES - 1) {
        for (Future<?> read : reads) {
          read.get();
        }
        reads.clear();
        afterBatch.run();
      }
    }
  }

  private interface Check {
    void run() throws Exception;
  }

  private static void assertServedExactly(int i) throws IOException, InterruptedException {
    Reply reply = stack.get(key(i));
    assertThat(reply.status()).as("GET value %d: %s", i, reply).isEqualTo(200);
    assertThat(reply.body().length).as("length of value %d", i).isEqualTo(VALUE_BYTES);
    assertThat(sha256(reply.body())).as("SHA-256 of value %d", i).isEqualTo(digests.get(i));
  }

  private static void assertStillServing() throws IOException, InterruptedException {
    Reply small = stack.get(stack.key("small"));
    assertThat(small.status()).as("small key: %s", small).isEqualTo(200);
    assertThat(small.text()).isEqualTo("small value");
    try (RawConnection resp = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      assertThat(resp.call("GET", stack.key("small")).text()).as("small key over RESP").isEqualTo("small value");
    }
    assertThat(stack.proxyProcess().alive()).as("proxy process; output:%n%s", tail()).isTrue();
    Reply live = stack.http().send("GET", "/health/live", null);
    assertThat(live.status()).as("/health/live: %s", live.text()).isEqualTo(200);
  }

  private static void assertWithinBudget() throws IOException, InterruptedException {
    String metrics = stack.http().send("GET", "/metrics", null).text();
    long bytes = metric(metrics, "redis_proxy_cache_bytes");
    long max = metric(metrics, "redis_proxy_cache_max_bytes");
    assertThat(max).as("redis_proxy_cache_max_bytes").isPositive();
    assertThat(bytes).as("redis_proxy_cache_bytes").isBetween(0L, max);
    String info;
    try (RawConnection resp = RawConnection.connect(stack.proxyHost(), stack.respPort())) {
      info = resp.call("INFO", "cache").text();
    }
    long infoBytes = infoField(info, "cache_bytes");
    long infoMax = infoField(info, "cache_max_bytes");
    assertThat(infoMax).as("INFO cache_max_bytes").isEqualTo(max);
    assertThat(infoBytes).as("INFO cache_bytes").isBetween(0L, infoMax);
  }

  /** An unlabelled gauge's value from Prometheus text. */
  static long metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(text);
    assertThat(m.find()).as("%s in /metrics", name).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  static long infoField(String info, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ":(\\d+)\\r?$").matcher(info);
    assertThat(m.find()).as("%s in INFO cache:%n%s", name, info).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static String key(int i) {
    return stack.key("large-" + i);
  }

  /** Value i: bytes of a generator seeded with i, so that every value differs from every other. */
  /**
   * Seeds Redis with {@code count} distinct values of {@link #VALUE_BYTES} ({@link #value}) under
   * {@code key.apply(i)}, and {@code "small value"} under the stack's key {@code small}.
   *
   * @return the SHA-256 of value i, by i
   */
  static List<String> seedValues(ProxyStack stack, int count, IntFunction<String> key) {
    List<String> digests = new ArrayList<>();
    try (Jedis redis = stack.redis()) {
      for (int i = 0; i < count; i++) {
        byte[] value = value(i);
        redis.set(key.apply(i).getBytes(StandardCharsets.UTF_8), value);
        digests.add(sha256(value));
      }
      redis.set(stack.key("small"), "small value");
    }
    return digests;
  }

  static byte[] value(int i) {
    byte[] value = new byte[VALUE_BYTES];
    new Random(i).nextBytes(value);
    return value;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail() {
    String out = stack.proxyProcess().output();
    return out.substring(Math.max(0, out.length() - 4000));
  }
}
