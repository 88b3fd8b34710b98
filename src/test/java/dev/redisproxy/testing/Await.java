package dev.redisproxy.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Polling with a deadline, for the few things a test can only wait for: a port that opens, a slot
 * that frees up, a failover, a TTL that passes. The deadline is generous on purpose: it only turns
 * a hang into a failure and never decides whether the product is fast enough.
 *
 * <p>Shared by every test layer: in-process tests and the black-box suite in {@code e2e/}.
 */
public final class Await {

  /** Pause between two probes; not a timing assumption. */
  public static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private Await() {
  }

  /**
   * Waits until {@code condition} returns true. An exception or a failed assertion in it counts as
   * "not yet"; the last one is named in the failure.
   */
  public static void until(Duration timeout, String what, Callable<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = null;
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
        last = "condition false";
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception | AssertionError e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up after " + timeout + " waiting for " + what + "; last: " + last);
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }

  /**
   * Calls {@code probe} until {@code done} accepts its result, and returns that result. A probe
   * that throws an exception counts as not done yet (the last one is attached to the failure); a
   * failed assertion in the probe fails at once, so a probe can check every result on the way.
   */
  public static <T> T until(String what, Duration deadline, Callable<T> probe, Predicate<? super T> done)
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
