package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesFromTheFirstDelayUpToTheMaximumAndStartsOverAfterReset() {
    Backoff backoff = new Backoff(TrackingRedisReader.FIRST_RETRY_MS, TrackingRedisReader.MAX_RETRY_MS);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      delays.add(backoff.next());
    }
    assertThat(delays).containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L);
    backoff.reset();
    assertThat(backoff.next()).isEqualTo(100L);
  }
}
