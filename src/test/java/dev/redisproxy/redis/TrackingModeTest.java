package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.cache.Key;
import dev.redisproxy.config.CacheInvalidation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLIENT TRACKING command of each mode, and which keys a broadcast mode covers. */
class TrackingModeTest {

  @Test
  void trackingAsksForTheKeysRead() {
    TrackingMode mode = TrackingMode.of(CacheInvalidation.TRACKING, List.of());
    assertThat(mode).isSameAs(TrackingMode.KEYS_READ);
    assertThat(mode.command()).containsExactly("CLIENT", "TRACKING", "ON");
    assertThat(mode.covers(Key.of("anything"))).isTrue();
    assertThat(mode.describe()).isEqualTo("changes of cached keys (CLIENT TRACKING)");
  }

  @Test
  void broadcastAsksForEveryWriteUnderThePrefixes() {
    TrackingMode all = TrackingMode.of(CacheInvalidation.BROADCAST, List.of());
    assertThat(all.command()).containsExactly("CLIENT", "TRACKING", "ON", "BCAST");
    assertThat(all.describe()).isEqualTo("every write (CLIENT TRACKING BCAST)");
    TrackingMode some = TrackingMode.of(CacheInvalidation.BROADCAST, List.of("user:", "sess"));
    assertThat(some.command()).containsExactly("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "sess");
    assertThat(some.describe()).isEqualTo("every write under user:, sess (CLIENT TRACKING BCAST)");
  }

  @Test
  void aBroadcastModeCoversTheKeysUnderItsPrefixesByteForByte() {
    TrackingMode mode = TrackingMode.of(CacheInvalidation.BROADCAST, List.of("user:", "é"));
    assertThat(mode.covers(Key.of("user:1"))).isTrue();
    assertThat(mode.covers(Key.of("user:"))).as("the prefix itself").isTrue();
    assertThat(mode.covers(Key.of("user"))).as("shorter than the prefix").isFalse();
    assertThat(mode.covers(Key.of("User:1"))).as("case matters, as in Redis").isFalse();
    assertThat(mode.covers(Key.of("session:1"))).isFalse();
    assertThat(mode.covers(Key.of("éte"))).as("a prefix is its UTF-8 bytes").isTrue();
    assertThat(mode.covers(Key.wrap(new byte[] {(byte) 0xC3}))).as("half of it").isFalse();
    assertThat(TrackingMode.of(CacheInvalidation.BROADCAST, List.of()).covers(Key.of("any"))).isTrue();
  }

  @Test
  void prefixesNeedBroadcastAndNoneTracksNothing() {
    assertThatThrownBy(() -> new TrackingMode(false, List.of("a"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrackingMode.of(CacheInvalidation.NONE, List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
