package dev.redisproxy.cache;

/**
 * A snapshot of the cache verticle's counters, answered on {@link CacheVerticle#STATS}.
 *
 * @param hits        lookups served from the cache
 * @param misses      lookups that had to read Redis (found or not, failed or not)
 * @param coalesced   misses that joined a Redis read already under way instead of starting one
 * @param evictions   entries dropped to make room
 * @param expirations entries dropped because their TTL passed
 * @param keys        entries held now
 * @param capacity    the configured maximum number of keys
 * @param inFlight    Redis reads under way now
 */
public record CacheStats(
    long hits, long misses, long coalesced, long evictions, long expirations, int keys, int capacity, int inFlight) {
}
