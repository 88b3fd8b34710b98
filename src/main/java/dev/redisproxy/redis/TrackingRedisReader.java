package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.InvalidationListener;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.config.RedisBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.redis.client.impl.RedisURI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Redis for a cache that Redis keeps fresh ({@code CACHE_INVALIDATION=tracking} or
 * {@code broadcast}).
 *
 * <p>Design: misses are read over one {@link TrackingConnection}, pipelined, so Redis tracks exactly
 * the keys the cache may hold and reports their changes on the same connection, after the replies
 * they follow. In broadcast mode ({@link TrackingMode}) Redis reports every write under the prefixes
 * instead, and the reads could go anywhere; they stay on the tracking connection all the same: the
 * connection orders a reply before the reports of later writes, so no "loading" marker is needed
 * beyond the cache's own detach of an invalidated read, one read path serves both modes, and a read
 * and the reports that concern it always come from the same server (which matters while a Sentinel
 * master switches: the pool may already read the new master while reports still come from the old).
 * The cost, all misses on one connection, is the tracking mode's too: pipelining carries them.
 * Keys outside the prefixes are read but not cached ({@link #cacheable(Key)}).
 *
 * <p>While the connection is down, misses are read through the pooled {@link VertxRedisReader} and
 * {@link #cacheable()} is false: the cache answers them without storing them, since nobody would hear
 * of their changes. When the connection is lost, or does not answer a
 * PING within {@code REDIS_TIMEOUT}, the listener is told to drop everything (reports may have been
 * lost in between) and the reader reconnects after {@link #FIRST_RETRY_MS}, doubling up to
 * {@link #MAX_RETRY_MS}. Reads pending on a lost connection are read again through the pool.
 *
 * <p>With Sentinel the connection goes to the master the sentinels name ({@link SentinelMaster}), and
 * only if HELLO says it is a master. A switch of master drops the cache as a lost connection does (the
 * new master holds no tracking state for this proxy) and tracking starts on the new one: Sentinel
 * closes the old master's connections as it demotes it, a dead master loses the connection, and
 * {@link #checkMaster} catches the rest. Why not a {@code +switch-master} subscription: it is lost with
 * its sentinel connection, so the sentinels would have to be asked again anyway; asking alone is enough.
 *
 * <p>Everything here runs on the cache verticle's context, so the fields need no locks. The pooled
 * reader also answers readiness PINGs, as without tracking.
 */
public final class TrackingRedisReader implements RedisReader {

  static final long FIRST_RETRY_MS = 100;
  static final long MAX_RETRY_MS = 5000;
  /** How long the connection may go without proving it is alive, at most; REDIS_TIMEOUT when shorter. */
  static final long MAX_PING_INTERVAL_MS = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(TrackingRedisReader.class);

  private final Vertx vertx;
  private final RedisReader pooled;
  private final NetClient net;
  private final RedisBackend backend;
  // Asks the sentinels where the master is (REDIS_SENTINELS); null for one server.
  private final SentinelMaster sentinels;
  private final Duration timeout;
  private final String address;
  // Which changes Redis reports: of the keys read here, or every write under the prefixes.
  private final TrackingMode mode;
  // Requests pipelined on the connection, and how many more may wait: the pool's bounds, applied here.
  private final InFlightLimit pipeline;
  // The commands of a read, as over the pooled connections.
  private final ValueRead reads;
  private final Backoff backoff = new Backoff(FIRST_RETRY_MS, MAX_RETRY_MS);
  private InvalidationListener listener;
  // The server tracked now, or connected to next: the one server, or the master the sentinels named.
  private RedisURI target;
  // Whether the sentinels are being asked where the master is now.
  private boolean asking;
  // The connection misses are read over; null while tracking is down.
  private TrackingConnection current;
  // Whether a PING is outstanding on the current connection.
  private boolean pinging;
  // Whether this outage was logged: its first failure is, the retries after it only at DEBUG.
  private boolean outageLogged;
  private boolean everUp;
  private boolean closed;
  private long pingTimer = -1;
  private long retryTimer = -1;
  private long masterTimer = -1;

  TrackingRedisReader(Vertx vertx, ProxyConfig config, RedisReader pooled, long maxValue) {
    this.vertx = vertx;
    this.pooled = pooled;
    this.reads = new ValueRead(maxValue);
    this.backend = config.backend();
    this.net = vertx.createNetClient(RedisClientOptions.netClientOptions(config));
    this.sentinels = backend.mode() == RedisBackend.Mode.SENTINEL
        ? new SentinelMaster(net, backend, config.redisTimeout()) : null;
    this.target = sentinels == null ? new RedisURI(backend.endpoints().get(0)) : null;
    this.timeout = config.redisTimeout();
    this.address = config.redisAddress();
    this.mode = TrackingMode.of(config.cacheInvalidation(), config.trackingPrefixes());
    this.pipeline = new InFlightLimit(RedisClientOptions.PIPELINE_DEPTH / ValueRead.COMMANDS, backend.poolWaiting());
  }

  /** A tracking reader for one Redis server, falling back to the pooled reader while tracking is down. */
  public static TrackingRedisReader create(Vertx vertx, ProxyConfig config) {
    return create(vertx, config, config.maxValueSize());
  }

  /** As {@link #create(Vertx, ProxyConfig)}, reading values of at most {@code maxValue} bytes. */
  static TrackingRedisReader create(Vertx vertx, ProxyConfig config, long maxValue) {
    return new TrackingRedisReader(vertx, config, VertxRedisReader.create(vertx, config, maxValue), maxValue);
  }

  @Override
  public void invalidations(InvalidationListener listener) {
    this.listener = listener;
    long interval = Math.max(10, Math.min(MAX_PING_INTERVAL_MS, timeout.toMillis()));
    pingTimer = vertx.setPeriodic(interval, id -> pingCurrent());
    if (sentinels != null) {
      // As often as vertx-redis-client asks them for the pool, whatever REDIS_TIMEOUT: each question is a connection.
      masterTimer = vertx.setPeriodic(RedisClientOptions.TOPOLOGY_TTL_MS, id -> checkMaster());
    }
    connect();
  }

  @Override
  public boolean cacheable() {
    return current != null;
  }

  /** In broadcast mode Redis reports the writes of keys under the prefixes only: no other key may be cached. */
  @Override
  public boolean cacheable(Key key) {
    return current != null && mode.covers(key);
  }

  @Override
  public Future<RedisValue> get(Key key) {
    TrackingConnection conn = current;
    if (conn == null) {
      return pooled.get(key);
    }
    return pipeline.submit(() -> reads.read(conn, key))
        .recover(err -> conn.isOpen() ? Future.failedFuture(err) : pooled.get(key));
  }

  @Override
  public Future<Void> ping() {
    return pooled.ping();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(retryTimer);
    vertx.cancelTimer(masterTimer);
    TrackingConnection conn = current;
    current = null;
    if (conn != null) {
      conn.close("the proxy is stopping");
    }
    return Future.join(net.close(), pooled.close()).mapEmpty();
  }

  private void connect() {
    retryTimer = -1;
    if (closed) {
      return;
    }
    Future<RedisURI> where = sentinels == null ? Future.succeededFuture(target) : sentinels.master();
    where.compose(uri -> {
      target = uri;
      return TrackingConnection.open(vertx, net, uri, backend.user(), backend.password(), backend.tls() != null, timeout,
          listener, mode);
    }).compose(this::masterOnly).onComplete(this::up, this::failedToConnect);
  }

  /**
   * With Sentinel, a server that says it is a replica is not tracked: a sentinel that has not yet heard
   * of a failover still names the old master, now a replica of the new one (and behind it).
   */
  private Future<TrackingConnection> masterOnly(TrackingConnection conn) {
    if (sentinels == null || conn.master()) {
      return Future.succeededFuture(conn);
    }
    conn.close("not the master");
    return Future.failedFuture(new LookupException(Failure.UNAVAILABLE, "the sentinels name " + hostPort(target)
        + " as master of '" + backend.masterName() + "', but it is a replica (a failover under way?)"));
  }

  /**
   * With Sentinel, asks the sentinels where the master is, once a second, and drops the tracking
   * connection when they name another server. Sentinel closes the old master's connections when it
   * demotes it, and a dead master loses the connection anyway; this catches the rest (a master cut off
   * from the sentinels but not from the proxy), within a second. A sentinel that does not answer
   * changes nothing: the tracking connection's own PING watches the master.
   */
  private void checkMaster() {
    TrackingConnection conn = current;
    if (sentinels == null || conn == null || asking) {
      return;
    }
    asking = true;
    RedisURI tracked = target;
    sentinels.master().onComplete(uri -> {
      asking = false;
      if (conn == current && !hostPort(uri).equals(hostPort(tracked))) {
        lost(conn, "the sentinels moved master '" + backend.masterName() + "' from " + hostPort(tracked) + " to "
            + hostPort(uri));
      }
    }, err -> asking = false);
  }

  private static String hostPort(RedisURI uri) {
    return uri.socketAddress().host() + ":" + uri.socketAddress().port();
  }

  /** Redis as the logs name it: with Sentinel, the master tracked too. */
  private String where() {
    return sentinels == null || target == null ? address : address + " (" + hostPort(target) + ")";
  }

  private void up(TrackingConnection conn) {
    if (closed) {
      conn.close("the proxy is stopping");
      return;
    }
    current = conn;
    pinging = false;
    conn.closeHandler(reason -> lost(conn, reason));
    if (conn != current) {
      return;
    }
    if (!everUp || outageLogged) {
      LOG.info("Redis at {} reports {}{}", where(), mode.describe(),
          everUp ? " again; misses are cached again" : "");
    }
    everUp = true;
    outageLogged = false;
  }

  private void lost(TrackingConnection conn, String reason) {
    if (conn != current) {
      return;
    }
    current = null;
    // First: nothing cached may be served once a report may have been missed.
    listener.invalidateAll(true);
    conn.close(reason);
    LOG.warn("Tracking connection to Redis at {} lost ({}): cache dropped; misses are read without being cached"
        + " until it is back", where(), reason);
    outageLogged = true;
    retryLater();
  }

  private void failedToConnect(Throwable err) {
    if (outageLogged) {
      LOG.debug("Tracking connection to Redis at {} still down: {}", where(), err.getMessage());
    } else if (err.getMessage() != null && err.getMessage().contains(" refused: ")) {
      LOG.error("Redis at {} refused the tracking connection ({}): misses are read without being cached. Tracking"
          + " needs Redis 6 or later and, with an ACL, +client|tracking and +ping for the proxy's user", where(), err.getMessage());
    } else {
      LOG.warn("Cannot open the tracking connection to Redis at {} ({}): misses are read without being cached"
          + " until it opens", where(), err.getMessage());
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
  private void pingCurrent() {
    TrackingConnection conn = current;
    if (conn == null || pinging) {
      return;
    }
    pinging = true;
    conn.ping().timeout(timeout.toNanos(), TimeUnit.NANOSECONDS).onComplete(pong -> {
      if (conn == current) {
        pinging = false;
        // Healthy for a whole interval: the next outage starts from the shortest delay again.
        backoff.reset();
      }
    }, err -> lost(conn, conn.isOpen() ? "no answer to PING within " + timeout.toMillis() + " ms" : err.getMessage()));
  }
}
