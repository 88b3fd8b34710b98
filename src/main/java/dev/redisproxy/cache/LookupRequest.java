package dev.redisproxy.cache;

/**
 * Keys a front end's {@link CacheClient} asks the cache verticle for, gathered from every lookup
 * its connections made in one event-loop turn. Sent (not requested) to {@link CacheVerticle#LOOKUP};
 * the answers come back as {@link LookupAnswers} sent to {@code replyTo}, each carrying the ticket
 * of its key: hits at once, misses when Redis has answered.
 *
 * @param replyTo the client's own address
 * @param keys    the keys; entries from {@code count} on are unused
 * @param tickets the ticket of each key, in the same order
 * @param count   how many keys the request holds
 */
public record LookupRequest(String replyTo, Key[] keys, int[] tickets, int count) {
}
