package dev.redisproxy.cache;

import io.vertx.core.VertxException;

/** A failed read of Redis, classified. Carries no stack trace: it is an expected outcome. */
public final class LookupException extends VertxException {

  private final Failure failure;

  public LookupException(Failure failure, String message) {
    super(message, true);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }
}
