package dev.redisproxy;

import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import javax.management.NotificationEmitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the process at once, with {@link #EXIT_STATUS}, when the JVM has run out of memory (any
 * {@link VirtualMachineError}), so that a supervisor (Docker, systemd, Kubernetes) restarts it.
 *
 * <p>Design. A JVM that has thrown one {@code OutOfMemoryError} usually throws more: the heap is
 * full of what the proxy holds, every allocation fails somewhere, and Vert.x and Netty catch each
 * one, log it and go on, so the process stays up and answers nothing useful: a zombie no
 * orchestrator restarts. {@code -XX:+ExitOnOutOfMemoryError} is the JVM's own cure, and the image,
 * compose and {@code scripts/run-local.sh} set it; but {@code java -jar} alone does not, and the flag
 * is not manageable, so it cannot be switched on from inside. Hence, installed by {@code Main}:
 * <ul>
 *   <li>{@link Thread#setDefaultUncaughtExceptionHandler}: a thread of ours or a library's that dies of it;
 *   <li>{@link Vertx#exceptionHandler}: whatever a handler throws on a Vert.x context. Netty catches an
 *       error raised in its pipeline and hands it to the connection's exception handler; ours (the
 *       front ends' sockets and servers, the Redis connections) rethrow a {@code VirtualMachineError},
 *       and Vert.x reports what a handler throws here. A read that fails with one is not classified
 *       either: the cache verticle rethrows it where it settles the read;
 *   <li>a backstop for the errors some library swallows before any of that (a Netty task, a logger):
 *       a collection-usage threshold on the old generation. If after a collection it is still
 *       {@link #HEAP_FULL_PERCENT} % full, the JVM is about to throw, or already throws, and would
 *       spend its time collecting: that is the same state. It costs nothing between collections (the
 *       JVM checks the threshold as it finishes one). The cache's byte budget keeps the heap well below
 *       it in normal running, so it does not fire on a busy, healthy proxy.
 * </ul>
 * {@link Runtime#halt} rather than {@code System.exit}: the shutdown hook drains connections, which
 * allocates, and there is nothing to drain for a process that cannot allocate.
 */
final class Fatal {

  /** The exit status: the one {@code -XX:+ExitOnOutOfMemoryError} ends the JVM with. */
  static final int EXIT_STATUS = 3;
  /** Old-generation occupancy after a collection at which the heap counts as exhausted. */
  static final int HEAP_FULL_PERCENT = 98;

  private static final Logger LOG = LoggerFactory.getLogger(Fatal.class);

  private Fatal() {
  }

  /** Installs the process-wide handlers: the uncaught-exception handler and the heap backstop. */
  static void install() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, err) -> {
      haltIfFatal(err);
      if (previous != null) {
        previous.uncaughtException(thread, err);
      } else {
        LOG.error("Uncaught exception in thread {}", thread.getName(), err);
      }
    });
    watchOldGeneration();
  }

  /** Makes {@code vertx} end the process on what its handlers throw, if it is fatal; logs the rest once. */
  static void install(Vertx vertx) {
    vertx.exceptionHandler(err -> {
      haltIfFatal(err);
      LOG.error("Unhandled exception", err);
    });
  }

  /** Halts the process if {@code err}, or what caused it, is a {@link VirtualMachineError}. */
  static void haltIfFatal(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof VirtualMachineError) {
        halt(t.toString());
      }
    }
  }

  /** One line, then the end: nothing else runs, no shutdown hook. */
  static void halt(String why) {
    try {
      LOG.error("Fatal: {}; exiting with status {} so that the supervisor restarts the proxy", why, EXIT_STATUS);
    } catch (Throwable ignored) {
      // Logging needs memory too; the exit status says it all the same.
    } finally {
      Runtime.getRuntime().halt(EXIT_STATUS);
    }
  }

  private static void watchOldGeneration() {
    Optional<MemoryPoolMXBean> old = oldGeneration();
    if (old.isEmpty()) {
      LOG.debug("No heap pool with a collection-usage threshold; the heap backstop is off");
      return;
    }
    MemoryPoolMXBean pool = old.get();
    long max = pool.getUsage().getMax();
    pool.setCollectionUsageThreshold(max / 100 * HEAP_FULL_PERCENT);
    NotificationEmitter emitter = (NotificationEmitter) ManagementFactory.getMemoryMXBean();
    emitter.addNotificationListener((notification, handback) -> {
      if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(notification.getType())) {
        halt("the heap is still " + HEAP_FULL_PERCENT + " % full after a garbage collection (" + pool.getName()
            + ", " + pool.getCollectionUsage().getUsed() / (1024 * 1024) + " of " + max / (1024 * 1024) + " MiB)");
      }
    }, null, null);
  }

  /**
   * The heap pool that long-lived objects (the cache) end up in: the one whose name says so (G1,
   * Parallel, Serial: "Old Gen", "Tenured Gen"), else the largest with a threshold (ZGC, Shenandoah
   * have a single pool). Young pools are no use: they are nearly empty or legitimately full after a collection.
   */
  private static Optional<MemoryPoolMXBean> oldGeneration() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported())
        .filter(p -> p.getUsage().getMax() > 0)
        .max(Comparator.comparing((MemoryPoolMXBean p) -> isOld(p.getName()))
            .thenComparingLong(p -> p.getUsage().getMax()));
  }

  private static boolean isOld(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.contains("old") || lower.contains("tenured");
  }
}
