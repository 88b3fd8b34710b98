package dev.redisproxy.cache;

/**
 * A snapshot of the cache verticle's counters, answered on {@link CacheVerticle#STATS}. The one
 * source of these figures: {@code /metrics} and RESP {@code INFO} both report from it. Counters
 * count since start-up; the rest are values now.
 *
 * @param hits             lookups served from the cache
 * @param misses           lookups that had to read Redis (found or not, failed or not)
 * @param coalesced        misses that joined a Redis read already under way instead of starting one
 * @param evictions        entries dropped to make room
 * @param expirations      entries dropped because their TTL passed
 * @param invalidations    entries dropped by an operator ({@code DELETE /cache}, {@code DELETE /cache/<key>})
 * @param uncacheable      values read from Redis and served, but too large to cache (over 1/{@value LruTtlCache#MAX_ENTRY_SHARE} of the budget)
 * @param staleServed      lookups answered with an expired entry because Redis failed ({@code CACHE_STALE_IF_ERROR})
 * @param keys             entries held now
 * @param capacity         the configured maximum number of keys
 * @param bytes            bytes the entries weigh now: keys, values and {@link LruTtlCache#ENTRY_OVERHEAD} each
 * @param maxBytes         the byte budget ({@code CACHE_MAXMEMORY})
 * @param inFlight         Redis reads under way now
 * @param redisErrors      Redis reads answered with an error reply (such as WRONGTYPE)
 * @param redisTimeouts    Redis reads not answered within {@code REDIS_TIMEOUT}
 * @param redisUnavailable Redis reads that could not reach Redis
 * @param rejected         misses failed at once because {@link CacheVerticle#MAX_IN_FLIGHT} reads were under way
 * @param redisReachable   whether the last read or PING reached Redis
 * @param tracking         Redis's reports of changed keys ({@code CACHE_INVALIDATION=tracking}); {@link Tracking#OFF} without
 */
public record CacheStats(
    long hits, long misses, long coalesced, long evictions, long expirations, long invalidations,
    long uncacheable, long staleServed,
    int keys, int capacity, long bytes, long maxBytes, int inFlight,
    long redisErrors, long redisTimeouts, long redisUnavailable, long rejected,
    boolean redisReachable, Tracking tracking) {

  /** Before the first snapshot: nothing counted yet. */
  public static final CacheStats NONE = new CacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true, Tracking.OFF);

  /**
   * What Redis reported about changed keys ({@code CACHE_INVALIDATION=tracking}).
   *
   * @param on              whether tracking is configured
   * @param up              whether the tracking connection is up now, so misses are cached
   * @param keys            keys Redis reported as changed, cached or not
   * @param flushes         whole-cache drops because Redis was flushed (FLUSHALL, FLUSHDB)
   * @param connectionLosses whole-cache drops because the tracking connection was lost or stopped answering
   */
  public record Tracking(boolean on, boolean up, long keys, long flushes, long connectionLosses) {
    public static final Tracking OFF = new Tracking(false, false, 0, 0, 0);
  }

  /** Hits over lookups since start-up, 0 before the first lookup. */
  public double hitRatio() {
    long lookups = hits + misses;
    return lookups == 0 ? 0 : (double) hits / lookups;
  }
}
