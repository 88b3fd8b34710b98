package dev.redisproxy.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the cache's reads of Redis went: failures counted by kind, and whether Redis is reachable,
 * logged once per change of state rather than once per request. Plain Java, used on the cache
 * verticle's event loop only.
 */
final class RedisHealth {

  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);

  private final String address;
  // What becomes of cached keys while Redis is down, for the log: kept, or dropped with tracking.
  private final String cachedKeys;
  private boolean reachable = true;
  private long errors;
  private long timeouts;
  private long unavailable;

  /** {@code address}: Redis as the logs name it; {@code tracking}: CACHE_INVALIDATION tracks changes. */
  RedisHealth(String address, boolean tracking) {
    this.address = address;
    this.cachedKeys = tracking
        ? "the cache is dropped as the tracking connection is lost (changes may go unreported)"
        : "cached keys are still served";
  }

  /** A read or PING reached Redis. */
  void answered() {
    note(true);
  }

  /** A read failed: counted; anything but an error reply or a value too large means Redis is not reachable. */
  void readFailed(Failure failure) {
    switch (failure) {
      case REDIS_ERROR, TOO_LARGE -> errors++;
      case TIMEOUT -> timeouts++;
      default -> unavailable++;
    }
    pingFailed(failure);
  }

  /** A PING failed: not counted as a read, but says whether Redis is reachable. */
  void pingFailed(Failure failure) {
    // Redis answered both: with an error reply, or with the start of a value too large to read.
    if (failure != Failure.REDIS_ERROR && failure != Failure.TOO_LARGE) {
      note(false);
    }
  }

  boolean reachable() {
    return reachable;
  }

  long errors() {
    return errors;
  }

  long timeouts() {
    return timeouts;
  }

  long unavailable() {
    return unavailable;
  }

  private void note(boolean now) {
    if (now == reachable) {
      return;
    }
    reachable = now;
    if (now) {
      LOG.info("Redis at {} answers again", address);
    } else {
      LOG.warn("Redis at {} is unreachable or too slow; misses fail, {}", address, cachedKeys);
    }
  }
}
