package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The global expiry, {@code CACHE_TTL}, with a TTL short enough that waiting past it is cheap.
 * Needs its own proxy, so it is skipped against an external deployment.
 */
class CacheExpiryIT {

  private static final Duration TTL = Duration.ofSeconds(1);

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of("CACHE_TTL", "1s"));

  /**
   * The value is cached when first read; the test then changes it in Redis and reads until the
   * new value shows. Until then every read must be a HIT on the old value (and those reads must
   * not extend the TTL, or the new value would never show); the new value must come as a MISS,
   * and no earlier than TTL after the first read was sent, since the entry cannot be older.
   */
  @Test
  void afterTheTtlTheNewValueIsReadFromRedis() throws Exception {
    String key = stack.key("expiring");
    stack.set(key, "old");

    long firstSent = System.nanoTime();
    Reply first = stack.get(key);
    assertThat(first.status()).as("%s", first).isEqualTo(200);
    assertThat(first.xCache()).isEqualTo("MISS");
    assertThat(first.text()).isEqualTo("old");

    stack.set(key, "new");
    Reply fresh = Await.until("the new value once CACHE_TTL has passed", TTL.multipliedBy(15), () -> {
      Reply r = stack.get(key);
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      if (r.text().equals("old")) {
        assertThat(r.xCache()).as("the old value can only come from the cache").isEqualTo("HIT");
      }
      return r;
    }, r -> r.text().equals("new"));
    long sinceFirst = System.nanoTime() - firstSent;

    assertThat(fresh.xCache()).as("%s", fresh).isEqualTo("MISS");
    assertThat(Duration.ofNanos(sinceFirst)).as("an entry is served until its TTL has passed").isGreaterThanOrEqualTo(TTL);
  }
}
