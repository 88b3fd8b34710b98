package dev.redisproxy.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TrackingConnection} to one master of a Redis Cluster, for {@link ClusterTrackingReader}:
 * opened, proved alive with PING, and reopened after a loss with backoff, until the master leaves
 * the slot map and the link is {@link #close closed}. What a loss means for the cache is the
 * reader's to decide: the link only tells it, first, before any read pending on it fails.
 *
 * <p>Used on the reader's context only (the cache verticle's), so the fields need no locks.
 */
final class MasterLink {

  private static final Logger LOG = LoggerFactory.getLogger(MasterLink.class);

  private final Vertx vertx;
  private final String endpoint;
  private final Function<String, Future<TrackingConnection>> open;
  private final BiConsumer<MasterLink, String> lost;
  private final Duration timeout;
  // Reads pipelined on the connection, and how many more may wait: the pool's bounds, per master.
  private final InFlightLimit pipeline;
  private final Backoff backoff = new Backoff(TrackingRedisReader.FIRST_RETRY_MS, TrackingRedisReader.MAX_RETRY_MS);
  // Null while down.
  private TrackingConnection current;
  private boolean pinging;
  // Whether this outage was logged: its first failure is, the retries after it only at DEBUG.
  private boolean outageLogged;
  private boolean closed;
  private long retryTimer = -1;

  /**
   * @param endpoint the master's {@code host:port}
   * @param open     opens a tracking connection to an endpoint
   * @param lost     told once per lost connection, with the reason, before the reads pending on it fail
   */
  MasterLink(Vertx vertx, String endpoint, Function<String, Future<TrackingConnection>> open,
      BiConsumer<MasterLink, String> lost, Duration timeout, InFlightLimit pipeline) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.open = open;
    this.lost = lost;
    this.timeout = timeout;
    this.pipeline = pipeline;
  }

  String endpoint() {
    return endpoint;
  }

  /** The open connection, or null while it is down. */
  TrackingConnection current() {
    return current;
  }

  InFlightLimit pipeline() {
    return pipeline;
  }

  void connect() {
    retryTimer = -1;
    if (closed) {
      return;
    }
    open.apply(endpoint).onComplete(this::up, this::failedToConnect);
  }

  private void up(TrackingConnection conn) {
    if (closed) {
      conn.close("the master left the slot map");
      return;
    }
    current = conn;
    pinging = false;
    conn.closeHandler(reason -> lost(conn, reason));
    if (outageLogged && conn == current) {
      LOG.info("Tracking connection to cluster master {} is back", endpoint);
    }
    outageLogged = false;
  }

  private void lost(TrackingConnection conn, String reason) {
    if (conn != current || closed) {
      return;
    }
    current = null;
    lost.accept(this, reason);
    conn.close(reason);
    outageLogged = true;
    retryLater();
  }

  private void failedToConnect(Throwable err) {
    if (outageLogged) {
      LOG.debug("Tracking connection to cluster master {} still down: {}", endpoint, err.getMessage());
    } else {
      LOG.warn("Cannot open the tracking connection to cluster master {} ({}): misses are read without being cached"
          + " until it opens. Tracking needs Redis 6 or later and, with an ACL, +client|tracking, +ping and"
          + " +cluster|slots for the proxy's user", endpoint, err.getMessage());
    }
    outageLogged = true;
    retryLater();
  }

  private void retryLater() {
    if (!closed) {
      retryTimer = vertx.setTimer(backoff.next(), id -> connect());
    }
  }

  /** Proves the connection alive: no answer within REDIS_TIMEOUT counts as lost. */
  void ping() {
    TrackingConnection conn = current;
    if (conn == null || pinging) {
      return;
    }
    pinging = true;
    conn.ping().timeout(timeout.toNanos(), TimeUnit.NANOSECONDS).onComplete(pong -> {
      if (conn == current) {
        pinging = false;
        backoff.reset();
      }
    }, err -> lost(conn, conn.isOpen() ? "no answer to PING within " + timeout.toMillis() + " ms" : err.getMessage()));
  }

  /** Closes the connection for good: the master left the slot map, or the proxy stops. No loss is reported. */
  void close(String reason) {
    closed = true;
    vertx.cancelTimer(retryTimer);
    TrackingConnection conn = current;
    current = null;
    if (conn != null) {
      conn.close(reason);
    }
  }
}
