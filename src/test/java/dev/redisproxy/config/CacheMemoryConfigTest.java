package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code CACHE_MAXMEMORY}: a share of the heap by default, refused where it cannot work, warned where it is risky. */
class CacheMemoryConfigTest {

  private static final long HEAP = 256L << 20;

  private static ProxyConfig load(String maxMemory) {
    return ConfigLoader.load(null, Map.of("CACHE_MAXMEMORY", maxMemory), HEAP);
  }

  @Test
  void theDefaultIsAQuarterOfTheHeapInWholeMebibytesAndShownAtStartUp() {
    ProxyConfig c = ConfigLoader.load(null, Map.of(), HEAP);
    assertThat(c.cacheMaxMemory()).isEqualTo(64L << 20);
    assertThat(c.describe()).containsEntry("CACHE_MAXMEMORY", "64mb");
    assertThat(c.warnings()).isEmpty();
    // A heap that is not whole MiB (Serial and Parallel GC leave out a survivor space).
    assertThat(ConfigLoader.load(null, Map.of(), 247_463_936L).cacheMaxMemory()).isEqualTo(59L << 20);
    assertThat(load(" ").cacheMaxMemory()).as("blank, as compose passes an unset variable").isEqualTo(64L << 20);
  }

  @Test
  void theDefaultFollowsTheRunningJvm() {
    long heap = Runtime.getRuntime().maxMemory();
    long budget = ConfigLoader.load(null, Map.of()).cacheMaxMemory();
    assertThat(budget).isLessThanOrEqualTo(heap / 4).isGreaterThan(heap / 4 - (1 << 20));
  }

  @Test
  void aBudgetIsTakenInRedisSyntax() {
    assertThat(load("64mb").cacheMaxMemory()).isEqualTo(64L << 20);
    assertThat(load("1152b").cacheMaxMemory()).isEqualTo(1152);
    assertThat(load("65536").cacheMaxMemory()).isEqualTo(65536);
    assertThat(load("64MB").describe()).containsEntry("CACHE_MAXMEMORY", "64mb");
  }

  @Test
  void zeroIsRefusedPointingAtCacheMaxSize() {
    assertThatThrownBy(() -> load("0"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CACHE_MAXMEMORY: 0 is not a budget (to turn caching off, set CACHE_MAXSIZE=0)");
  }

  @Test
  void aBudgetTooSmallForAnyEntryIsRefused() {
    assertThatThrownBy(() -> load("1151"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CACHE_MAXMEMORY: 1151b is below 1152 bytes, too little to cache any entry"
            + " (each weighs its key, its value and 144 bytes)");
  }

  @Test
  void aBudgetNotLessThanTheHeapIsRefused() {
    assertThatThrownBy(() -> load("256mb"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CACHE_MAXMEMORY: 256mb is not less than the JVM's maximum heap (256mb):"
            + " lower it, or raise the heap with -Xmx (JAVA_TOOL_OPTIONS)");
    assertThatThrownBy(() -> load("1gb")).hasMessageStartingWith("CACHE_MAXMEMORY: 1gb is not less than");
  }

  @Test
  void aBudgetAboveThreeQuartersOfTheHeapIsWarnedOnce() {
    assertThat(load("192mb").warnings()).as("exactly 75%").isEmpty();
    assertThat(load("200mb").warnings()).singleElement().asString()
        .startsWith("CACHE_MAXMEMORY 200mb is 78% of the JVM's maximum heap (256mb); above 75%");
  }
}
