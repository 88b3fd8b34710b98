package dev.redisproxy.cache;

import io.vertx.core.buffer.Buffer;

/**
 * The answer to one lookup. A missing key is a normal answer ({@link Outcome#NOT_FOUND}), not a
 * failure; a lookup that could not be answered is {@link Outcome#FAILED} with the {@link Failure}
 * that each front end maps to its protocol, and a message for the client.
 *
 * @param outcome where the value came from, that there is none, or that the lookup failed
 * @param value   the value's bytes, shared and never modified; null when {@link Outcome#NOT_FOUND} or {@link Outcome#FAILED}
 * @param failure why the lookup failed; null unless {@link Outcome#FAILED}
 * @param message the failure's text (Redis's own error text for {@link Failure#REDIS_ERROR}); null unless failed
 * @param age     for {@link Outcome#HIT} and {@link Outcome#STALE}, whole seconds since the value was read from
 *                Redis (HTTP's {@code Age}); 0 otherwise
 */
public record LookupReply(Outcome outcome, Buffer value, Failure failure, String message, int age) {

  /** One instance for every not-found answer, so that answer allocates nothing. */
  public static final LookupReply NOT_FOUND = new LookupReply(Outcome.NOT_FOUND, null, null, null, 0);

  public enum Outcome {
    /** Served from the cache. */
    HIT,
    /** Read from Redis for this lookup (or for a lookup it was coalesced with). */
    MISS,
    /**
     * Served from the cache past its lifetime, because reading Redis failed (unreachable, timed out,
     * overloaded) within {@code CACHE_STALE_IF_ERROR} of the entry's expiry.
     */
    STALE,
    /** Redis has no such key (read now, or remembered with {@code CACHE_NEGATIVE_TTL}). */
    NOT_FOUND,
    /** No answer: Redis failed, timed out or is overloaded, or the cache did not answer. */
    FAILED
  }

  public static LookupReply hit(Buffer value, int age) {
    return new LookupReply(Outcome.HIT, value, null, null, age);
  }

  public static LookupReply stale(Buffer value, int age) {
    return new LookupReply(Outcome.STALE, value, null, null, age);
  }

  public static LookupReply miss(Buffer value) {
    return new LookupReply(Outcome.MISS, value, null, null, 0);
  }

  public static LookupReply failed(Failure failure, String message) {
    return new LookupReply(Outcome.FAILED, null, failure, message, 0);
  }

  /** The classified exception as an answer. */
  public static LookupReply failed(LookupException e) {
    return failed(e.failure(), e.getMessage());
  }

  public boolean isFailed() {
    return outcome == Outcome.FAILED;
  }
}
