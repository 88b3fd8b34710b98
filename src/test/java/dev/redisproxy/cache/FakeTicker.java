package dev.redisproxy.cache;

import java.time.Duration;

/** A clock that moves only when a test says so. */
public final class FakeTicker implements Ticker {

  // Volatile: the test thread moves it, the cache verticle's event loop reads it.
  private volatile long now = 1_000_000_000L;

  @Override
  public long nanos() {
    return now;
  }

  public void advance(Duration d) {
    now += d.toNanos();
  }
}
