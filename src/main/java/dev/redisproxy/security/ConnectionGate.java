package dev.redisproxy.security;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts client connections across every front-end instance, HTTP and RESP together, against
 * {@code MAX_CONNECTIONS}. The one piece of state the front ends share: the instances run on
 * different event loops, and the limit is global, so it is an atomic counter rather than a
 * message round trip per connection.
 */
public final class ConnectionGate {

  private final int limit;
  private final AtomicInteger open = new AtomicInteger();
  // Connections turned away, for redis_proxy_client_connections_refused_total; touched only on refusal.
  private final AtomicLong refused = new AtomicLong();

  public ConnectionGate(int limit) {
    this.limit = limit;
  }

  /** Takes a slot; false (and nothing taken) when all {@code limit} slots are held. */
  public boolean tryAcquire() {
    int n;
    do {
      n = open.get();
      if (n >= limit) {
        refused.incrementAndGet();
        return false;
      }
    } while (!open.compareAndSet(n, n + 1));
    return true;
  }

  /** Gives back a slot taken by {@link #tryAcquire}. */
  public void release() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }

  public int limit() {
    return limit;
  }

  /** Connections refused since start-up. */
  public long refused() {
    return refused.get();
  }
}
