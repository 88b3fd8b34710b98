package dev.redisproxy.security;

import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs failed authentications of one front end, and decides when a connection has
 * failed often enough to be closed. The log line names the front end, the client's address and
 * the attempt; never what the client offered.
 */
public final class AuthFailures {

  /** Failed attempts one connection may make; the last one closes it, so guessing costs a reconnect. */
  public static final int MAX_PER_CONNECTION = 3;

  private static final Logger LOG = LoggerFactory.getLogger(AuthFailures.class);

  private final String frontEnd;
  // redis_proxy_auth_failures_total{frontend}
  private final Counter counter;

  public AuthFailures(String frontEnd, Counter counter) {
    this.frontEnd = frontEnd;
    this.counter = counter;
  }

  /**
   * Records the {@code attempt}-th failure (from 1) on a connection from {@code client}.
   *
   * @return true if the connection must now be closed
   */
  public boolean record(Object client, int attempt) {
    counter.increment();
    boolean close = attempt >= MAX_PER_CONNECTION;
    LOG.warn("{} client {} failed to authenticate ({} of {} attempts on this connection{})", frontEnd, client,
        attempt, MAX_PER_CONNECTION, close ? "; closing it" : "");
    return close;
  }
}
