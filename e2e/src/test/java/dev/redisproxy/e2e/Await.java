package dev.redisproxy.e2e;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Polling with a deadline, for the few things a black-box test can only wait for: a port that
 * opens, a slot that frees up, a TTL that passes. The deadline is generous on purpose: it only
 * turns a hang into a failure and never decides whether the product is fast enough.
 */
final class Await {

  /** Pause between two probes. */
  static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private Await() {
  }

  /**
   * Calls {@code probe} until {@code done} accepts its result, and returns that result. A probe
   * that throws counts as not done yet; the last such error is attached to the failure.
   */
  static <T> T until(String what, Duration deadline, Callable<T> probe, Predicate<? super T> done)
      throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    T last = null;
    Exception lastError = null;
    while (true) {
      try {
        last = probe.call();
        lastError = null;
        if (done.test(last)) {
          return last;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        lastError = e;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("gave up after " + deadline + " waiting for " + what
            + (lastError == null ? "; last result: " + last : ""), lastError);
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }
}
