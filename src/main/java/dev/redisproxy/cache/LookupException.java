package dev.redisproxy.cache;

import io.vertx.core.VertxException;

/**
 * Why a lookup, a Redis read or a PING got no answer, classified. Carries no stack trace: it is an
 * expected outcome. The {@link RedisReader} classifies what its library fails with, where it
 * happens; the cache classifies only what it decides itself (its deadline, its bounds).
 */
public final class LookupException extends VertxException {

  private final Failure failure;

  public LookupException(Failure failure, String message) {
    super(message, true);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }

  /**
   * The exception as classified: itself if it is one, else {@link Failure#UNAVAILABLE}. Only a reader
   * that breaks its contract fails with anything else. A {@link VirtualMachineError} (out of memory)
   * is thrown on, not answered as a failed read: the process has to end, and it does when a handler
   * throws one.
   */
  public static LookupException of(Throwable t) {
    if (t instanceof VirtualMachineError fatal) {
      throw fatal;
    }
    return t instanceof LookupException le ? le : new LookupException(Failure.UNAVAILABLE, String.valueOf(t.getMessage()));
  }
}
