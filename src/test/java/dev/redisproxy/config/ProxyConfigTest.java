package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.cache.LruTtlCache;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {

  /** The configuration states the cache's limit without importing the cache (config is below every package). */
  @Test
  void theKeyLimitIsTheCachesOwn() {
    assertThat(ProxyConfig.MAX_CACHE_KEYS).isEqualTo(LruTtlCache.MAX_CAPACITY);
    assertThat(ConfigLoader.load(null, Map.of("CACHE_MAXSIZE", Integer.toString(ProxyConfig.MAX_CACHE_KEYS)))
        .cacheMaxSize()).isEqualTo(ProxyConfig.MAX_CACHE_KEYS);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_MAXSIZE", Integer.toString(ProxyConfig.MAX_CACHE_KEYS + 1))))
        .hasMessage("CACHE_MAXSIZE: 178956648 is out of range (0..178956647)");
  }

  @Test
  void theStartUpLineShowsTheNewSettings() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("CACHE_NEGATIVE_TTL", "5s", "HOTKEYS", "off"));
    assertThat(c.describe())
        .containsEntry("CACHE_NEGATIVE_TTL", "5s")
        .containsEntry("CACHE_STALE_IF_ERROR", "off")
        .containsEntry("HOTKEYS", "false")
        .containsKey("CACHE_MAXMEMORY")
        .doesNotContainKey("CACHE_TRACKING_PREFIXES");
  }
}
