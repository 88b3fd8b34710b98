package dev.redisproxy.cache;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Why a lookup failed. A failed lookup is answered with a {@link LookupReply} carrying it (readers fail
 * their futures with a {@link LookupException}); an event-bus
 * request to the cache (a PING, say) is failed with {@link #code()}. Each front end maps the
 * failure to its protocol (an HTTP status, a RESP error).
 */
public enum Failure {
  /** Redis could not be reached (connection refused or lost). */
  UNAVAILABLE(1),
  /** Redis did not answer within {@code REDIS_TIMEOUT}. */
  TIMEOUT(2),
  /** Redis answered with an error reply, such as WRONGTYPE. */
  REDIS_ERROR(3),
  /** Too many reads are already waiting for Redis; failing fast instead of queueing. */
  OVERLOADED(4),
  /** The value is larger than the most this proxy reads from Redis; it is neither read whole nor cached. */
  TOO_LARGE(5);

  private final int code;

  Failure(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /**
   * The failure behind an event-bus request's exception, or a lookup's {@link LookupException}.
   * An event-bus timeout or a missing
   * consumer (the cache verticle is gone, as during shutdown) counts as {@link #UNAVAILABLE}
   * or {@link #TIMEOUT}.
   */
  public static Failure of(Throwable t) {
    if (t instanceof LookupException re) {
      return re.failure();
    }
    if (t instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        for (Failure f : values()) {
          if (f.code == re.failureCode()) {
            return f;
          }
        }
      } else if (re.failureType() == ReplyFailure.TIMEOUT) {
        return TIMEOUT;
      }
    }
    return UNAVAILABLE;
  }
}
