package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code CACHE_INVALIDATION}: off by default, tracking for one Redis server only. */
class CacheInvalidationConfigTest {

  @Test
  void offByDefault() {
    ProxyConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.cacheInvalidation()).isEqualTo(CacheInvalidation.NONE);
    assertThat(c.describe()).containsEntry("CACHE_INVALIDATION", "none");
  }

  @Test
  void trackingWithOneServerIgnoringCase() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", " Tracking ", "REDIS_URL", "rediss://h:6390/2"));
    assertThat(c.cacheInvalidation()).isEqualTo(CacheInvalidation.TRACKING);
    assertThat(c.describe()).containsEntry("CACHE_INVALIDATION", "tracking");
  }

  @Test
  void anUnknownValueNamesTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "bcast")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CACHE_INVALIDATION: 'bcast' is not none or tracking");
  }

  @Test
  void trackingIsRefusedWithSentinelAndCluster() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "tracking",
        "REDIS_SENTINELS", "s1:26379", "REDIS_MASTER_NAME", "mymaster")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CACHE_INVALIDATION: tracking works with one Redis server")
        .hasMessageContaining("not with REDIS_SENTINELS");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "tracking",
        "REDIS_CLUSTER_NODES", "n1:7000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not with REDIS_CLUSTER_NODES");
    assertThat(ConfigLoader.load(null, Map.of("REDIS_CLUSTER_NODES", "n1:7000")).cacheInvalidation())
        .isEqualTo(CacheInvalidation.NONE);
  }

  @Test
  void trackingNeedsACache() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "tracking", "CACHE_MAXSIZE", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CACHE_INVALIDATION: tracking needs a cache, but CACHE_MAXSIZE is 0: use none");
  }
}
