package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code CACHE_INVALIDATION} and {@code CACHE_TRACKING_PREFIXES}: off by default; one Redis server or Sentinel, not Cluster yet. */
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
        .hasMessage("CACHE_INVALIDATION: 'bcast' is not none, tracking or broadcast");
  }

  @Test
  void trackingAndBroadcastWorkWithSentinelAndWithCluster() {
    for (String mode : new String[] {"tracking", "broadcast"}) {
      ProxyConfig c = ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", mode,
          "REDIS_SENTINELS", "s1:26379,s2:26379", "REDIS_MASTER_NAME", "mymaster"));
      assertThat(c.cacheInvalidation().id()).isEqualTo(mode);
      assertThat(c.backend().mode()).isEqualTo(RedisBackend.Mode.SENTINEL);
      ProxyConfig cluster = ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", mode, "REDIS_CLUSTER_NODES", "n1:7000"));
      assertThat(cluster.cacheInvalidation().id()).isEqualTo(mode);
      assertThat(cluster.backend().mode()).isEqualTo(RedisBackend.Mode.CLUSTER);
    }
    assertThat(ConfigLoader.load(null, Map.of("REDIS_CLUSTER_NODES", "n1:7000")).cacheInvalidation())
        .isEqualTo(CacheInvalidation.NONE);
  }

  @Test
  void trackingNeedsACache() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "tracking", "CACHE_MAXSIZE", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CACHE_INVALIDATION: tracking needs a cache, but CACHE_MAXSIZE is 0: use none");
  }

  @Test
  void broadcastWithOneServerAndItsPrefixes() {
    ProxyConfig all = ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "Broadcast"));
    assertThat(all.cacheInvalidation()).isEqualTo(CacheInvalidation.BROADCAST);
    assertThat(all.trackingPrefixes()).isEmpty();
    assertThat(all.describe()).containsEntry("CACHE_INVALIDATION", "broadcast")
        .containsEntry("CACHE_TRACKING_PREFIXES", "all keys");
    ProxyConfig some = ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "broadcast",
        "CACHE_TRACKING_PREFIXES", "user:,session:"));
    assertThat(some.trackingPrefixes()).containsExactly("user:", "session:");
    assertThat(some.describe()).containsEntry("CACHE_TRACKING_PREFIXES", "user:,session:");
  }

  @Test
  void broadcastNeedsACache() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "broadcast", "CACHE_MAXSIZE", "0")))
        .hasMessage("CACHE_INVALIDATION: broadcast needs a cache, but CACHE_MAXSIZE is 0: use none");
  }

  @Test
  void prefixesAreACommaSeparatedListEmptyForAllKeys() {
    assertThat(prefixes("")).isEmpty();
    assertThat(prefixes(" user: , session:,a b ")).containsExactly("user:", "session:", "a b");
    assertThat(prefixes("user:1,user:2")).as("siblings do not overlap").containsExactly("user:1", "user:2");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "user,user:1|'user' and 'user:1' overlap",
      "user:1,user|'user' and 'user:1' overlap",
      "a,b,a|'a' and 'a' overlap",
      "a,,b|'a,,b' has an empty item",
      "a,|'a,' has an empty item",
  })
  void overlappingOrEmptyPrefixesAreRefusedAsRedisRefusesThem(String text, String problem) {
    assertThatThrownBy(() -> prefixes(text))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CACHE_TRACKING_PREFIXES: " + problem);
  }

  @Test
  void prefixesAreOnlyForBroadcast() {
    for (String mode : new String[] {"none", "tracking"}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", mode, "CACHE_TRACKING_PREFIXES", "a")))
          .isInstanceOf(ConfigException.class)
          .hasMessage("CACHE_TRACKING_PREFIXES: is only used with CACHE_INVALIDATION=broadcast");
    }
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CACHE_INVALIDATION", "broadcast",
        "CACHE_TRACKING_PREFIXES", "a,ab")))
        .hasMessageContaining("overlap");
  }

  private static List<String> prefixes(String text) {
    Map<Variable, String> values = new EnumMap<>(Variable.class);
    values.put(Variable.CACHE_TRACKING_PREFIXES, text);
    return CacheInvalidation.trackingPrefixes(new Settings(values), CacheInvalidation.BROADCAST);
  }
}
