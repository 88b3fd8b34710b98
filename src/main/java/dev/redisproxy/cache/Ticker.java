package dev.redisproxy.cache;

/** A source of monotonic time in nanoseconds; tests inject a fake one instead of sleeping. */
@FunctionalInterface
public interface Ticker {

  long nanos();

  static Ticker system() {
    return System::nanoTime;
  }
}
