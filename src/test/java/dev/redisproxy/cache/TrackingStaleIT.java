package dev.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * {@code CACHE_STALE_IF_ERROR} with {@code CACHE_INVALIDATION=tracking}, against a real redis-server
 * that is killed, stalled ({@code SIGSTOP}) and brought back.
 *
 * <p>The design: losing the tracking connection drops the whole cache, since Redis's reports of
 * changes may have been missed, and nothing read while it is down is kept. So with tracking, a value
 * is served stale only until the loss is noticed, and after that a miss is answered {@code 503}:
 * never a value whose invalidation the proxy could have missed.
 * <ul>
 *   <li>Killed: the connection closes, the loss is noticed at once, the cache is dropped; nothing is
 *       served stale, even an entry that expired within the grace period.</li>
 *   <li>Stalled: the connection stays open, so the loss is noticed only when a PING goes unanswered
 *       for {@code REDIS_TIMEOUT} (sent every {@code min(1 s, REDIS_TIMEOUT)}). A read that times out
 *       before then is served the expired entry {@code STALE}; after, {@code 503}.</li>
 *   <li>Back: tracking reconnects, a write made then is served, and its changes are reported again.</li>
 * </ul>
 * Time passes on the real clock, so the tests poll for the state they expect with a deadline
 * ({@link #WITHIN}) that only turns a hang into a failure.
 */
class TrackingStaleIT {

  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static final Duration CACHE_TTL = Duration.ofSeconds(1);
  private static final String LOST = "redis_proxy_cache_tracking_flushes_total{reason=\"connection_lost\"}";
  private static final String UP = "redis_proxy_cache_tracking_up";
  private static final String STALE_SERVED = "redis_proxy_cache_stale_served_total";
  private static final String INVALIDATIONS = "redis_proxy_cache_tracking_invalidations_total";
  private static final Pattern TRACKING_ADDR = Pattern.compile("addr=(\\S+) .* name=redis-proxy-tracking ");

  // REDIS_TIMEOUT 2 s, so PINGs go every second: the stalled test reads well inside one interval.
  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().with("CACHE_INVALIDATION", "tracking")
      .with("CACHE_STALE_IF_ERROR", "30s").with("CACHE_TTL", CACHE_TTL.toSeconds() + "s")
      .with("REDIS_TIMEOUT", "2s");

  @Test
  void withRedisKilledTheCacheIsDroppedAtOnceNothingIsServedStaleAndAfterRestartWritesAreSeen() throws Exception {
    awaitTrackingUp();
    proxy.redis().set("k", "v1");
    long readEnd = readOnce("/get/k", "200 MISS v1");
    awaitPast(readEnd + CACHE_TTL.toNanos());
    proxy.redis().kill();
    Await.until(WITHIN, "the tracking connection's loss noticed", () -> metrics().get(UP) == 0);
    assertThat(metrics().get(LOST)).isEqualTo(1);
    assertThat(describe(proxy.get("/get/k"))).as("expired within the grace period, but the cache was dropped")
        .isEqualTo("503 - ");
    assertThat(proxy.get("/get/never-read").statusCode()).isEqualTo(503);
    assertThat(metrics().get(STALE_SERVED)).isZero();

    proxy.redis().restart();
    proxy.redis().set("k", "v2");
    awaitTrackingUp();
    assertFreshAndReported("v2", "v3");
  }

  @Test
  void withRedisStalledTheExpiredValueIsServedStaleUntilThePingTimesOutThen503AndAfterItAnswersWritesAreSeen()
      throws Exception {
    awaitTrackingUp();
    proxy.redis().set("k", "v1");
    long readEnd = readOnce("/get/k", "200 MISS v1");
    awaitPast(readEnd + CACHE_TTL.toNanos());
    String stale;
    try {
      awaitTrackingPing();
      proxy.redis().pause(true);
      stale = describe(proxy.get("/get/k"));
      Await.until(WITHIN, "the unanswered PING to count as the connection's loss", () -> metrics().get(UP) == 0);
      assertThat(metrics().get(LOST)).isEqualTo(1);
      assertThat(describe(proxy.get("/get/k"))).as("the cache was dropped: no stale value any more")
          .isEqualTo("503 - ");
      assertThat(metrics().get(STALE_SERVED)).isEqualTo(1);
    } finally {
      proxy.redis().pause(false);
    }
    assertThat(stale).as("read timed out before the loss was noticed").isEqualTo("200 STALE v1");

    proxy.redis().set("k", "v2");
    awaitTrackingUp();
    assertFreshAndReported("v2", "v3");
  }

  /** k, written {@code now} after Redis came back, is read fresh and cached; a change to it is reported and read. */
  private void assertFreshAndReported(String now, String next) throws Exception {
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS " + now);
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 HIT " + now);
    double before = metrics().get(INVALIDATIONS);
    proxy.redis().set("k", next);
    Await.until(WITHIN, "Redis to report the change again", () -> metrics().get(INVALIDATIONS) > before);
    assertThat(describe(proxy.get("/get/k"))).isEqualTo("200 MISS " + next);
  }

  /** Reads once, expecting this answer; returns when the answer ended. */
  private long readOnce(String path, String expected) throws Exception {
    assertThat(describe(proxy.get(path))).isEqualTo(expected);
    return System.nanoTime();
  }

  private void awaitTrackingUp() throws InterruptedException {
    Await.until(WITHIN, "tracking up", () -> metrics().get(UP) == 1);
  }

  /** Waits for a moment to pass (an entry's lifetime running out), not a pause. */
  private static void awaitPast(long nanoTime) throws InterruptedException {
    Await.until(WITHIN, "the entry's lifetime to pass", () -> System.nanoTime() > nanoTime);
  }

  /**
   * Waits, with {@code MONITOR}, until Redis runs a PING of the tracking connection: the next one
   * is a PING interval away, so a read sent now times out before any PING does.
   */
  private void awaitTrackingPing() throws Exception {
    String addr;
    try (Jedis jedis = proxy.redis().client()) {
      Matcher m = TRACKING_ADDR.matcher(jedis.clientList());
      assertThat(m.find()).as("a tracking connection in CLIENT LIST").isTrue();
      addr = m.group(1);
    }
    try (Socket socket = new Socket("127.0.0.1", proxy.redis().port())) {
      socket.setSoTimeout((int) WITHIN.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String line;
      do {
        line = in.readLine();
        assertThat(line).as("MONITOR output").isNotNull();
      } while (!(line.contains(" " + addr + "]") && line.toUpperCase(Locale.ROOT).contains("\"PING\"")));
    }
  }

  private PrometheusText metrics() throws Exception {
    return PrometheusText.parse(new String(proxy.get("/metrics").body(), StandardCharsets.UTF_8));
  }

  private static String describe(HttpResponse<byte[]> r) {
    return r.statusCode() + " " + r.headers().firstValue("X-Cache").orElse("-") + " "
        + (r.statusCode() == 503 ? "" : new String(r.body(), StandardCharsets.UTF_8).strip());
  }
}
