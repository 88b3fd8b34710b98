package dev.redisproxy.config;

import java.util.Locale;
import java.util.Map;

/** How cached values learn that Redis changed them: {@code CACHE_INVALIDATION}. */
public enum CacheInvalidation {
  /** They do not: a value is served until {@code CACHE_TTL} passes, even if Redis changed it. */
  NONE,
  /** Redis reports changed keys ({@code CLIENT TRACKING}) and they are dropped at once; {@code CACHE_TTL} still applies. */
  TRACKING;

  /** The value as written in the configuration. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads {@code CACHE_INVALIDATION} from the merged variables, which have passed every other check.
   * Tracking needs one Redis server: the proxy holds one connection that reads and hears the changes.
   */
  static CacheInvalidation from(Map<String, String> v) {
    String text = v.get("CACHE_INVALIDATION").trim();
    CacheInvalidation mode = null;
    for (CacheInvalidation m : values()) {
      if (m.id().equalsIgnoreCase(text)) {
        mode = m;
      }
    }
    if (mode == null) {
      throw new ConfigException("CACHE_INVALIDATION", "'" + text + "' is not none or tracking");
    }
    if (mode == TRACKING) {
      for (String other : new String[] {"REDIS_SENTINELS", "REDIS_CLUSTER_NODES"}) {
        if (!v.get(other).isBlank()) {
          throw new ConfigException("CACHE_INVALIDATION", "tracking works with one Redis server (REDIS_URL or"
              + " REDIS_HOST/REDIS_PORT), not with " + other + ": use none there");
        }
      }
      if (ConfigLoader.integer(v, "CACHE_MAXSIZE", 0, Integer.MAX_VALUE) == 0) {
        throw new ConfigException("CACHE_INVALIDATION", "tracking needs a cache, but CACHE_MAXSIZE is 0: use none");
      }
    }
    return mode;
  }
}
