package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Capacity and LRU eviction with {@code CACHE_MAXSIZE=3}. Whether a key is still cached is seen
 * from outside by changing it in Redis: a cached key still serves the old value as a HIT, an
 * evicted one the new value as a MISS. Each test starts by reading three fresh keys, which
 * evicts whatever an earlier test left. Skipped against an external deployment.
 */
class CacheEvictionIT {

  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of("CACHE_MAXSIZE", "3", "CACHE_TTL", "1h"));

  @Test
  void theLeastRecentlyUsedKeyIsEvicted() throws Exception {
    String a = stack.key("lru-a");
    String b = stack.key("lru-b");
    String c = stack.key("lru-c");
    String d = stack.key("lru-d");
    for (String k : new String[] {a, b, c, d}) {
      stack.set(k, "old");
    }
    assertServed(a, "old", "MISS");
    assertServed(b, "old", "MISS");
    assertServed(c, "old", "MISS");
    assertServed(a, "old", "HIT"); // a is now more recently used than b and c
    assertServed(d, "old", "MISS"); // full: evicts b, the least recently used

    for (String k : new String[] {a, b, c, d}) {
      stack.set(k, "new");
    }
    // Checked in an order where each read evicts nothing that is checked after it.
    assertServed(a, "old", "HIT");
    assertServed(d, "old", "HIT");
    assertServed(c, "old", "HIT");
    assertServed(b, "new", "MISS");
  }

  @Test
  void theCacheHoldsExactlyMaxsizeKeys() throws Exception {
    String[] keys = new String[5];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = stack.key("capacity-" + i);
      stack.set(keys[i], "old");
    }
    for (String k : keys) {
      assertServed(k, "old", "MISS");
    }
    for (String k : keys) {
      stack.set(k, "new");
    }
    // Most recent first, so that the misses at the end evict only keys already checked.
    assertServed(keys[4], "old", "HIT");
    assertServed(keys[3], "old", "HIT");
    assertServed(keys[2], "old", "HIT");
    assertServed(keys[1], "new", "MISS");
    assertServed(keys[0], "new", "MISS");
  }

  private static void assertServed(String key, String value, String xCache) throws Exception {
    Reply r = stack.get(key);
    assertThat(r.status()).as("%s: %s", key, r).isEqualTo(200);
    assertThat(r.text()).as("value of %s", key).isEqualTo(value);
    assertThat(r.xCache()).as("X-Cache of %s", key).isEqualTo(xCache);
  }
}
