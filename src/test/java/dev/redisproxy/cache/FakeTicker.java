package dev.redisproxy.cache;

import java.time.Duration;

/** A clock that moves only when a test says so. */
public final class FakeTicker implements Ticker {

  private long now = 1_000_000_000L;

  @Override
  public long nanos() {
    return now;
  }

  public void advance(Duration d) {
    now += d.toNanos();
  }
}
