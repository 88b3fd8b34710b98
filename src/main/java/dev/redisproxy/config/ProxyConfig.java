package dev.redisproxy.config;

import dev.redisproxy.security.SecurityConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated, immutable configuration. Every value here has passed {@link ConfigLoader}'s
 * checks, so the rest of the proxy never re-validates.
 *
 * @param proxyPort         HTTP listen port
 * @param respPort          RESP listen port, 0 when the RESP front end is off
 * @param cacheTtl          global expiry, measured from insertion
 * @param cacheMaxSize      capacity in keys, 0 for pass-through
 * @param cacheMaxMemory    capacity in bytes (keys, values and per-entry overhead); by default a share of the heap
 * @param cacheNegativeTtl  how long a key Redis does not have is remembered as missing; zero: not at all
 * @param cacheStaleIfError how long past its expiry an entry may be served while Redis fails; zero: never
 * @param cacheInvalidation whether and how Redis reports changed keys to the cache
 * @param trackingPrefixes  the key prefixes {@link CacheInvalidation#BROADCAST} subscribes to; empty: every key
 * @param hotKeys           whether the most-read and most-missed keys are counted ({@code /hotkeys})
 * @param maxParallel       instances of each front-end verticle
 * @param maxConnections    client connections held at once, HTTP and RESP together
 * @param redisTimeout      how long a miss waits for Redis
 * @param clientIdleTimeout how long a silent client connection is kept
 * @param accessLog         whether every request is logged on the {@code dev.redisproxy.access} logger
 * @param logFormat         the layout of log lines
 * @param backend           the Redis deployment (standalone, Sentinel, Cluster), credentials, TLS, pool
 * @param security          client password, TLS and key allow-list; {@link SecurityConfig#NONE} when all are off
 * @param warnings          legal but risky settings, each a sentence naming its variable, for the start-up log
 */
public record ProxyConfig(
    int proxyPort,
    int respPort,
    Duration cacheTtl,
    int cacheMaxSize,
    long cacheMaxMemory,
    Duration cacheNegativeTtl,
    Duration cacheStaleIfError,
    CacheInvalidation cacheInvalidation,
    List<String> trackingPrefixes,
    boolean hotKeys,
    int maxParallel,
    int maxConnections,
    Duration redisTimeout,
    Duration clientIdleTimeout,
    boolean accessLog,
    LogFormat logFormat,
    RedisBackend backend,
    SecurityConfig security,
    List<String> warnings) {

  /**
   * The most keys {@code CACHE_MAXSIZE} takes: the limit of the cache's slot arrays (held to what one
   * array of twelve ints per entry, indexed by int, could index), which
   * {@code LruTtlCache.MAX_CAPACITY} states for the cache.
   */
  public static final int MAX_CACHE_KEYS = 178_956_647;

  public ProxyConfig {
    trackingPrefixes = List.copyOf(trackingPrefixes);
    warnings = List.copyOf(warnings);
  }

  /**
   * The largest value the proxy reads from Redis (a larger one fails its reads, so that no one read can
   * exhaust the heap): a sixteenth of the JVM's maximum heap, at most Redis's own 512 MiB limit on a string.
   */
  public long maxValueSize() {
    return Math.min(512L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 16);
  }

  /** The Redis deployment without credentials, fit for logs. */
  public String redisAddress() {
    return backend.address();
  }

  /** The effective configuration by variable name, without secrets, for the start-up log line. */
  public Map<String, String> describe() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("REDIS", redisAddress());
    out.put("REDIS_POOL_SIZE", Integer.toString(backend.poolSize()));
    out.put("REDIS_POOL_WAITING", Integer.toString(backend.poolWaiting()));
    out.put("PROXY_PORT", Integer.toString(proxyPort));
    out.put("RESP_PORT", respPort == 0 ? "off" : Integer.toString(respPort));
    out.put("CACHE_TTL", Durations.format(cacheTtl));
    out.put("CACHE_MAXSIZE", Integer.toString(cacheMaxSize));
    out.put("CACHE_MAXMEMORY", Sizes.format(cacheMaxMemory));
    out.put("CACHE_NEGATIVE_TTL", cacheNegativeTtl.isZero() ? "off" : Durations.format(cacheNegativeTtl));
    out.put("CACHE_STALE_IF_ERROR", cacheStaleIfError.isZero() ? "off" : Durations.format(cacheStaleIfError));
    out.put("CACHE_INVALIDATION", cacheInvalidation.id());
    if (cacheInvalidation == CacheInvalidation.BROADCAST) {
      out.put("CACHE_TRACKING_PREFIXES", trackingPrefixes.isEmpty() ? "all keys" : String.join(",", trackingPrefixes));
    }
    out.put("HOTKEYS", Boolean.toString(hotKeys));
    out.put("MAX_PARALLEL", Integer.toString(maxParallel));
    out.put("MAX_CONNECTIONS", Integer.toString(maxConnections));
    out.put("REDIS_TIMEOUT", Durations.format(redisTimeout));
    out.put("CLIENT_IDLE_TIMEOUT", Durations.format(clientIdleTimeout));
    out.put("ACCESS_LOG", Boolean.toString(accessLog));
    out.put("LOG_FORMAT", logFormat.id());
    security.describe(out);
    return out;
  }
}
