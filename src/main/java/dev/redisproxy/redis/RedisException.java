package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import io.vertx.core.VertxException;

/** A failed read of Redis, classified. Carries no stack trace: it is an expected outcome. */
public final class RedisException extends VertxException {

  private final Failure failure;

  public RedisException(Failure failure, String message) {
    super(message, true);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }
}
