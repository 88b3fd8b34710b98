package dev.redisproxy.metrics;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of replies a front end could not write, after which it closes the connection. A peer
 * that went away fails writes every day (debug); running out of memory for the socket's buffers
 * (slow clients holding more replies than the direct-memory limit, {@code -XX:MaxDirectMemorySize},
 * which defaults to the heap's size) is the operator's to hear of, once per process, not per reply.
 * Shared by both front ends.
 */
public final class WriteFailures {

  private static final Logger LOG = LoggerFactory.getLogger(WriteFailures.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private WriteFailures() {
  }

  /** A reply on a {@code frontEnd} connection failed to write with {@code cause}; the caller closes it. */
  public static void report(String frontEnd, Throwable cause) {
    if (cause instanceof OutOfMemoryError && WARNED.compareAndSet(false, true)) {
      LOG.warn("A {} reply could not be written ({}): its connection is closed. Direct memory for socket buffers "
          + "ran out: raise -XX:MaxDirectMemorySize, or lower MAX_CONNECTIONS or the size of the values read; "
          + "logged once, later ones at debug", frontEnd, cause.toString());
    } else {
      LOG.debug("A {} reply could not be written, closing its connection: {}", frontEnd, cause.toString());
    }
  }
}
