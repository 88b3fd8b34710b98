package dev.redisproxy.cache;

import io.vertx.core.buffer.Buffer;

/**
 * The cache verticle's answer to one key of a {@link LookupRequest}. A missing key is a normal
 * answer, not a failure; a failed key is answered with a {@link dev.redisproxy.cache.LookupException}
 * carrying its {@link Failure} instead (see {@link LookupAnswers}).
 *
 * @param outcome where the value came from, or that there is none
 * @param value   the value's bytes, shared and never modified; null for {@link Outcome#NOT_FOUND}
 */
public record LookupReply(Outcome outcome, Buffer value) {

  /** One instance for every not-found answer, so that answer allocates nothing. */
  public static final LookupReply NOT_FOUND = new LookupReply(Outcome.NOT_FOUND, null);

  public enum Outcome {
    /** Served from the cache. */
    HIT,
    /** Read from Redis for this lookup (or for a lookup it was coalesced with). */
    MISS,
    /** Redis has no such key. */
    NOT_FOUND
  }

  public static LookupReply hit(Buffer value) {
    return new LookupReply(Outcome.HIT, value);
  }

  public static LookupReply miss(Buffer value) {
    return new LookupReply(Outcome.MISS, value);
  }
}
