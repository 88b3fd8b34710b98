package dev.redisproxy.config;

import java.util.List;
import java.util.Locale;

/** How cached values learn that Redis changed them: {@code CACHE_INVALIDATION}. */
public enum CacheInvalidation {
  /** They do not: a value is served until {@code CACHE_TTL} passes, even if Redis changed it. */
  NONE,
  /** Redis reports changed keys ({@code CLIENT TRACKING}) and they are dropped at once; {@code CACHE_TTL} still applies. */
  TRACKING,
  /**
   * Redis reports every write under {@code CACHE_TRACKING_PREFIXES} ({@code CLIENT TRACKING ON BCAST}):
   * no per-key tracking memory in Redis, one message per write under the prefixes.
   */
  BROADCAST;

  /** The value as written in the configuration. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code CACHE_TRACKING_PREFIXES}: empty means every key. Redis refuses prefixes of which one
   * starts with another ({@code CLIENT TRACKING}: "Prefixes for a single client must not overlap"),
   * and takes them with {@code BCAST} only, so both are refused here, at start-up.
   */
  static List<String> trackingPrefixes(Settings s, CacheInvalidation mode) {
    List<String> prefixes = s.list(Variable.CACHE_TRACKING_PREFIXES);
    for (int i = 0; i < prefixes.size(); i++) {
      for (int j = 0; j < prefixes.size(); j++) {
        String a = prefixes.get(i);
        String b = prefixes.get(j);
        if (i != j && b.startsWith(a)) {
          throw new ConfigException("CACHE_TRACKING_PREFIXES", "'" + a + "' and '" + b
              + "' overlap (one starts with the other); Redis refuses overlapping prefixes: keep '" + a + "'");
        }
      }
    }
    if (!prefixes.isEmpty() && mode != BROADCAST) {
      throw new ConfigException("CACHE_TRACKING_PREFIXES", "is only used with CACHE_INVALIDATION=broadcast");
    }
    return List.copyOf(prefixes);
  }

  /**
   * Refuses the combinations the proxy cannot serve. Tracking and broadcast work in every mode: one
   * tracking connection to the server that holds every key (one Redis server, or the master Sentinel
   * names), or one to each master of a Cluster.
   */
  void check(int cacheMaxSize) {
    if (this != NONE && cacheMaxSize == 0) {
      throw new ConfigException("CACHE_INVALIDATION", id() + " needs a cache, but CACHE_MAXSIZE is 0: use none");
    }
  }
}
