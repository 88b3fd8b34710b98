package dev.redisproxy.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Polls a condition until it holds or a generous deadline passes. The deadline only stops a broken
 * test from hanging; it is not a timing assertion (failovers on a loaded machine take what they take).
 */
public final class Await {

  /** Pause between polls; not a timing assumption. */
  private static final long POLL_MS = 50;

  private Await() {
  }

  /** Waits until {@code condition} returns true; an exception from it counts as "not yet". */
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
      Thread.sleep(POLL_MS);
    }
  }
}
