package dev.redisproxy.redis;

/**
 * Delays between attempts to reconnect: {@code first}, doubling up to {@code max}, back to
 * {@code first} once a connection proved healthy. Bounded both ways: quick after a blip, and at
 * most one attempt every {@code max} while Redis stays away.
 */
final class Backoff {

  private final long firstMs;
  private final long maxMs;
  private long nextMs;

  Backoff(long firstMs, long maxMs) {
    this.firstMs = firstMs;
    this.maxMs = maxMs;
    this.nextMs = firstMs;
  }

  /** The delay before the next attempt, in milliseconds; the one after it doubles. */
  long next() {
    long delay = nextMs;
    nextMs = Math.min(maxMs, nextMs * 2);
    return delay;
  }

  void reset() {
    nextMs = firstMs;
  }
}
