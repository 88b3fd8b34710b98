package dev.redisproxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.threadchecker.BlockedThreadEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Vert.x's blocked-thread warning into a test failure. Vert.x only logs "Thread ... has been
 * blocked" and carries on, so a test that blocks an event loop passes; with {@link #watch} the
 * warnings are recorded and {@link #assertNone} fails the test that caused them, with the blocked
 * thread's stack.
 *
 * <pre>{@code
 * Vertx vertx = Vertx.vertx(BlockedThreads.options());
 * BlockedThreads blocked = BlockedThreads.watch(vertx);
 * ... // the test
 * blocked.assertNone(); // in @AfterEach
 * }</pre>
 *
 * <p>The hook is Vert.x's own ({@code VertxInternal.blockedThreadChecker()}, the handler its
 * default warning goes through), so it does not depend on how logging is configured.
 */
public final class BlockedThreads {

  /**
   * Longest an event-loop task may run before the test fails: half Vert.x's default, so that a
   * blocking call (a sleep, a synchronous read, a lock) shows up, yet high enough that a busy
   * two-core machine running several builds does not fail a test for being slow (there, first
   * connections and class loading took up to 300 ms). To hunt smaller stalls on a quiet machine:
   * {@code -Dtest.maxEventLoopMs=100}.
   */
  public static final long MAX_EVENT_LOOP_MS = Long.getLong("test.maxEventLoopMs", 1000);
  /** How often Vert.x looks: a fraction of the limit, so a block is seen soon after it passes it. */
  private static final long CHECK_INTERVAL_MS = Math.max(10, MAX_EVENT_LOOP_MS / 4);

  private static final Logger LOG = LoggerFactory.getLogger(BlockedThreads.class);

  private final ConcurrentLinkedQueue<Report> reports = new ConcurrentLinkedQueue<>();
  // Blocks by tasks that began before this (System.nanoTime) are not reported: see forgetUntilNow.
  private volatile long watchFrom = System.nanoTime();

  private BlockedThreads() {
  }

  /** One warning: the thread, when its task began, how long it had run, and where it was at that moment. */
  private record Report(String thread, long startNanos, long blockedMs, StackTraceElement[] stack) {
  }

  /** Fresh options with the strict limit; pass them to {@code Vertx.vertx} or {@code MeteredVertx.create}. */
  public static VertxOptions options() {
    return strict(new VertxOptions());
  }

  /** {@code options} with the strict event-loop limit and a frequent check. */
  public static VertxOptions strict(VertxOptions options) {
    return options
        .setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_MS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(CHECK_INTERVAL_MS).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
  }

  /** Records every blocked-thread warning of {@code vertx} from now on (instead of only logging it). */
  public static BlockedThreads watch(Vertx vertx) {
    BlockedThreads watcher = new BlockedThreads();
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(watcher::record);
    return watcher;
  }

  private void record(BlockedThreadEvent event) {
    long ms = TimeUnit.NANOSECONDS.toMillis(event.duration());
    LOG.warn("Thread {} has been blocked for {} ms, limit {} ms", event.thread().getName(), ms,
        TimeUnit.NANOSECONDS.toMillis(event.maxExecTime()));
    long start = System.nanoTime() - event.duration();
    reports.add(new Report(event.thread().getName(), start, ms, event.thread().getStackTrace()));
  }

  /**
   * Forgets the blocks of every task begun so far: the proxy's start-up (binding the first server
   * socket loads Netty's classes on an event loop) is Vert.x's own one-off work, not the code
   * under test, and on a loaded machine it can take longer than the limit.
   */
  public void forgetUntilNow() {
    watchFrom = System.nanoTime();
    reports.clear();
  }

  /** Fails if a thread was blocked since the last call, naming each thread once with its longest block. */
  public void assertNone() {
    List<Report> seen = new ArrayList<>();
    for (Report r; (r = reports.poll()) != null; ) {
      if (r.startNanos() - watchFrom >= 0) {
        seen.add(r);
      }
    }
    if (seen.isEmpty()) {
      return;
    }
    Map<String, Report> longest = new LinkedHashMap<>();
    for (Report r : seen) {
      longest.merge(r.thread(), r, (a, b) -> a.blockedMs() >= b.blockedMs() ? a : b);
    }
    throw new AssertionError("a Vert.x thread was blocked past " + MAX_EVENT_LOOP_MS + " ms during this test:\n"
        + longest.values().stream().map(BlockedThreads::describe).collect(Collectors.joining("\n")));
  }

  private static String describe(Report r) {
    return "  " + r.thread() + " blocked for " + r.blockedMs() + " ms at\n"
        + Arrays.stream(r.stack()).limit(25).map(e -> "    at " + e).collect(Collectors.joining("\n"));
  }
}
