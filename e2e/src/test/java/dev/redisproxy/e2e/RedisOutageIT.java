package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RedisProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis going away and coming back while the proxy keeps running: cached keys are still served,
 * misses get {@code 503} with {@code Retry-After}, and once Redis is back misses are served
 * again without restarting the proxy. Kills Redis, so it is skipped against an external
 * deployment.
 */
class RedisOutageIT {

  /** How long the proxy may take to reach a restarted Redis: a deadline, not a goal. */
  private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(30);

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of("REDIS_TIMEOUT", "1s"));

  @BeforeEach
  void redisRunning() throws Exception {
    if (!stack.redisProcess().running()) {
      stack.redisProcess().restart();
    }
  }

  @Test
  void cachedKeysOutliveAnOutageAndMissesRecoverWhenRedisIsBack() throws Exception {
    RedisProcess redis = stack.redisProcess();
    String cached = stack.key("cached");
    String uncached = stack.key("uncached");
    stack.set(cached, "before");
    stack.set(uncached, "before");
    assertThat(stack.get(cached).xCache()).isEqualTo("MISS");

    redis.kill();

    Reply hit = stack.get(cached);
    assertThat(hit.status()).as("cached key while Redis is down: %s", hit).isEqualTo(200);
    assertThat(hit.xCache()).isEqualTo("HIT");
    assertThat(hit.text()).isEqualTo("before");

    Reply miss = stack.get(uncached);
    assertUnavailable(miss);
    Reply missAgain = stack.get(uncached);
    assertUnavailable(missAgain);

    redis.restart(); // same port, empty
    stack.set(uncached, "after");
    stack.set(cached, "after");

    Reply recovered = Await.until("a miss served after Redis restarted", RECOVERY_DEADLINE,
        () -> stack.get(uncached), r -> r.status() != 503);
    assertThat(recovered.status()).as("%s", recovered).isEqualTo(200);
    assertThat(recovered.xCache()).isEqualTo("MISS");
    assertThat(recovered.text()).isEqualTo("after");

    Reply stillCached = stack.get(cached);
    assertThat(stillCached.xCache()).as("the cache survives the outage: %s", stillCached).isEqualTo("HIT");
    assertThat(stillCached.text()).isEqualTo("before");
    assertThat(stack.proxyProcess().alive()).isTrue();
  }

  /** Redis accepts the connection but never answers (SIGSTOP): misses time out with 503. */
  @Test
  void missesAgainstAStalledRedisAre503() throws Exception {
    RedisProcess redis = stack.redisProcess();
    String cached = stack.key("cached-before-stall");
    String uncached = stack.key("uncached-during-stall");
    stack.set(cached, "v");
    stack.set(uncached, "v");
    assertThat(stack.get(cached).xCache()).isEqualTo("MISS");

    redis.pause(true);
    try {
      assertUnavailable(stack.get(uncached));
      Reply hit = stack.get(cached);
      assertThat(hit.status()).as("cached key while Redis stalls: %s", hit).isEqualTo(200);
      assertThat(hit.xCache()).isEqualTo("HIT");
    } finally {
      redis.pause(false);
    }

    Reply recovered = Await.until("a miss served after Redis resumed", RECOVERY_DEADLINE,
        () -> stack.get(uncached), r -> r.status() != 503);
    assertThat(recovered.status()).as("%s", recovered).isEqualTo(200);
    assertThat(recovered.text()).isEqualTo("v");
  }

  private static void assertUnavailable(Reply r) {
    assertThat(r.status()).as("%s", r).isEqualTo(503);
    assertThat(r.header("Retry-After")).as("Retry-After of %s", r).isNotNull().matches("[1-9][0-9]*");
  }
}
