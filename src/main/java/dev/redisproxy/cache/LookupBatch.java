package dev.redisproxy.cache;

/**
 * Several keys looked up with one event-bus message: what a RESP client's pipeline or MGET
 * needs. One message per batch instead of one per key takes most of the event-bus cost (a reply
 * address, a handler registration and a timer per request) off pipelined reads. Answered with a
 * {@link LookupBatchReply} once every key is answered.
 *
 * @param keys the keys, in the order the answers come back; the array is not changed after sending
 */
public record LookupBatch(Key[] keys) {
}
