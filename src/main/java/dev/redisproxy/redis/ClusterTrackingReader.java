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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Redis Cluster for a cache that the cluster keeps fresh ({@code CACHE_INVALIDATION=tracking}
 * or {@code broadcast} with {@code REDIS_CLUSTER_NODES}).
 *
 * <p>Design: tracking is per node, so there is one {@link TrackingConnection} per master
 * ({@link MasterLink}), and each miss is read, pipelined, on the connection of the master that owns
 * its key's slot ({@link SlotMap}, learned with {@code CLUSTER SLOTS}). As on one server, the reply and
 * the reports of later writes to the key leave that master on the same connection in order, so a value
 * is stored before the invalidation that concerns it arrives. In broadcast mode the connections say
 * {@code BCAST} (a master reports every write to its keys under the prefixes) and reads go over them
 * too, for the same ordering. Pooled reads with a "loading" marker (a reply overtaken by an invalidation
 * of its key is not stored) would be correct too, but need per-read bookkeeping in the cache and a second
 * read path; here both modes share one, and Redis's own ordering does the work.
 *
 * <p>What can no longer be trusted is dropped, all of it (the cache keeps no index by slot):
 * <ul>
 *   <li>a master answers {@code MOVED}: the map is out of date; the cache is dropped, nothing read is
 *       stored until a new map is in place (asked first of the node named by {@code MOVED}), and the
 *       read is done through the pooled reader, which follows the redirection;</li>
 *   <li>a master answers {@code ASK}: its slot is migrating and the key has left; that read alone is not
 *       stored. The keys that left were reported already: {@code MIGRATE} deletes them on the source,
 *       which is a change the source reports to the connection that read them;</li>
 *   <li>the map changed (checked every {@link #SLOT_MAP_CHECK_MS}, since a failover moves slots without
 *       any {@code MOVED} to a proxy that only has hits): the cache is dropped, connections are opened
 *       to new masters and closed to former ones;</li>
 *   <li>a connection is lost or does not answer PING within {@code REDIS_TIMEOUT}: the cache is dropped
 *       (reports of that master's keys may have been lost), the map is asked again (a lost master may
 *       have been replaced) and the link reconnects with backoff.</li>
 * </ul>
 * Until the map is known, and while any master's connection is down, misses are read through the pooled
 * {@link VertxRedisReader} and {@link #cacheable()} is false. A key outside {@code CACHE_TRACKING_PREFIXES}
 * (broadcast mode) is reported by no master: it is read through the pooled reader and never stored.
 *
 * <p>Everything here runs on the cache verticle's context, so the fields need no locks.
 */
public final class ClusterTrackingReader implements RedisReader {

  /** How often the slot map is asked for again; the pooled client refreshes its own as often. */
  static final long SLOT_MAP_CHECK_MS = RedisClientOptions.TOPOLOGY_TTL_MS;

  /** Slot map changes are logged at INFO at most this often; the ones in between at DEBUG, and counted. */
  static final long CHANGE_LOG_INTERVAL_MS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(ClusterTrackingReader.class);

  private final Vertx vertx;
  private final RedisReader pooled;
  private final NetClient net;
  private final RedisBackend backend;
  private final Duration timeout;
  private final TrackingMode mode;
  private final ValueRead reads;
  // "redis://" or "rediss://", for every node's connection.
  private final String scheme;
  // Asks the cluster for its slot map (CLUSTER SLOTS): a redirecting node, the masters, then the seeds.
  private final SlotMapQuestion question;
  // The tracking connection of each master of the map, by "host:port".
  private final Map<String, MasterLink> links = new HashMap<>();
  private InvalidationListener listener;
  // Null until first learned.
  private SlotMap map;
  // A MOVED said the map is out of date and no newer one is in place yet: nothing read is stored.
  private boolean suspect;
  private boolean refreshing;
  private boolean refreshLogged;
  private boolean closed;
  // When a slot map change was last logged at INFO, and how many since went to DEBUG; -1 before the first.
  private long changeLoggedAt;
  private int changesUnlogged = -1;
  private long pingTimer = -1;
  private long checkTimer = -1;

  ClusterTrackingReader(Vertx vertx, ProxyConfig config, RedisReader pooled, long maxValue) {
    this.vertx = vertx;
    this.pooled = pooled;
    this.reads = new ValueRead(maxValue);
    this.backend = config.backend();
    this.net = vertx.createNetClient(RedisClientOptions.netClientOptions(config));
    this.timeout = config.redisTimeout();
    this.mode = TrackingMode.of(config.cacheInvalidation(), config.trackingPrefixes());
    this.scheme = backend.tls() != null ? "rediss://" : "redis://";
    List<String> seeds = new ArrayList<>();
    for (String endpoint : backend.endpoints()) {
      seeds.add(endpoint.substring(endpoint.indexOf("://") + 3));
    }
    this.question = new SlotMapQuestion(seeds, timeout, endpoint -> open(endpoint, TrackingMode.KEYS_READ, SlotMapQuestion.DEAF));
  }

  /** A tracking reader for a Redis Cluster, falling back to the pooled reader where tracking is down. */
  public static ClusterTrackingReader create(Vertx vertx, ProxyConfig config) {
    return create(vertx, config, config.maxValueSize());
  }

  static ClusterTrackingReader create(Vertx vertx, ProxyConfig config, long maxValue) {
    return new ClusterTrackingReader(vertx, config, VertxRedisReader.create(vertx, config, maxValue), maxValue);
  }

  @Override
  public void invalidations(InvalidationListener listener) {
    this.listener = listener;
    long interval = Math.max(10, Math.min(TrackingRedisReader.MAX_PING_INTERVAL_MS, timeout.toMillis()));
    pingTimer = vertx.setPeriodic(interval, id -> List.copyOf(links.values()).forEach(MasterLink::ping));
    checkTimer = vertx.setPeriodic(SLOT_MAP_CHECK_MS, id -> refresh(null));
    refresh(null);
  }

  @Override
  public boolean cacheable() {
    if (map == null || suspect) {
      return false;
    }
    for (MasterLink link : links.values()) {
      if (link.current() == null) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Future<RedisValue> get(Key key) {
    byte[] bytes = key.toBytes();
    MasterLink link = map == null ? null : links.get(map.master(SlotMap.slot(bytes)));
    if (!mode.covers(key) || (map != null && link == null)) {
      // No master reports its changes (outside the prefixes, a slot the map gives no master): never stored.
      return pooled.get(key).andThen(ar -> listener.readUntracked(key));
    }
    TrackingConnection conn = link == null ? null : link.current();
    if (conn == null) {
      return pooled.get(key);
    }
    return link.pipeline().submit(() -> reads.read(conn, key))
        .recover(err -> redirected(key, err) || !conn.isOpen() ? pooled.get(key) : Future.failedFuture(err));
  }

  @Override
  public Future<Void> ping() {
    return pooled.ping();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(checkTimer);
    links.values().forEach(link -> link.close("the proxy is stopping"));
    links.clear();
    return Future.join(net.close(), pooled.close()).mapEmpty();
  }

  /**
   * Whether the read was redirected ({@code MOVED} or {@code ASK}, the error reply's code): then it is not
   * stored, and after a {@code MOVED} nothing cached is trusted until a new map is in place.
   */
  private boolean redirected(Key key, Throwable err) {
    String[] words = err instanceof LookupException e && e.failure() == Failure.REDIS_ERROR && e.getMessage() != null
        ? e.getMessage().split(" ") : new String[] {""};
    if (!words[0].equals("MOVED") && !words[0].equals("ASK")) {
      return false;
    }
    if (words[0].equals("ASK") || suspect) {
      // Detaches this read, which was asked to be stored when it started.
      listener.readUntracked(key);
      return true;
    }
    suspect = true;
    LOG.debug("A cluster master redirected a read ({}): the slot map changed; cache dropped until the new map is in"
        + " place", err.getMessage());
    listener.invalidateAll(true);
    refresh(words.length > 2 ? SlotMap.endpoint(words[2]) : null);
    return true;
  }

  /** Asks for the slot map, {@code preferred} first (null: the masters in turn), unless a question is under way. */
  private void refresh(String preferred) {
    if (refreshing || closed) {
      return;
    }
    refreshing = true;
    question.ask(preferred, links, map).onComplete(this::install, err -> {
      refreshing = false;
      if (!refreshLogged) {
        LOG.warn("Cannot read the cluster's slot map (CLUSTER SLOTS) from any node: {}", err.getMessage());
        refreshLogged = true;
      }
    });
  }

  /** Puts a map in place: drops the cache if slots moved, and tracks on exactly the map's masters. */
  private void install(SlotMap fresh) {
    refreshing = false;
    refreshLogged = false;
    if (closed) {
      return;
    }
    if (map == null) {
      LOG.info("Redis Cluster: misses are read on a tracking connection to each of {} masters (CLIENT TRACKING{})",
          fresh.masters().size(), mode.broadcast() ? " BCAST" : "");
    } else if (!fresh.equals(map)) {
      logChange(map.moved(fresh), fresh);
      if (!suspect) {
        // After a MOVED the cache was dropped then, and nothing read since was stored.
        listener.invalidateAll(true);
      }
    }
    map = fresh;
    suspect = false;
    links.entrySet().removeIf(e -> {
      if (fresh.masters().contains(e.getKey())) {
        return false;
      }
      e.getValue().close("no longer a master in the slot map");
      return true;
    });
    for (String master : fresh.masters()) {
      if (!links.containsKey(master)) {
        MasterLink link = new MasterLink(vertx, master, endpoint -> open(endpoint, mode, listener), this::lost, timeout,
            new InFlightLimit(RedisClientOptions.PIPELINE_DEPTH / ValueRead.COMMANDS, backend.poolWaiting()));
        links.put(master, link);
        link.connect();
      }
    }
  }

  /** At INFO at most every {@link #CHANGE_LOG_INTERVAL_MS}: a resharding changes the map once per slot it moves. */
  private void logChange(int moved, SlotMap fresh) {
    long now = System.nanoTime();
    if (changesUnlogged >= 0 && now - changeLoggedAt < TimeUnit.MILLISECONDS.toNanos(CHANGE_LOG_INTERVAL_MS)) {
      changesUnlogged++;
      LOG.debug("Cluster slot map changed ({} slots moved): cache dropped", moved);
      return;
    }
    LOG.info("Cluster slot map changed ({} slots moved{}): cache dropped; tracking follows the slots to {}", moved,
        changesUnlogged > 0 ? ", and " + changesUnlogged + " changes before it" : "", fresh.masters());
    changeLoggedAt = now;
    changesUnlogged = 0;
  }

  private void lost(MasterLink link, String reason) {
    // First: nothing cached may be served once a report may have been missed.
    listener.invalidateAll(true);
    LOG.warn("Tracking connection to cluster master {} lost ({}): cache dropped; misses are read without being cached"
        + " until it is back", link.endpoint(), reason);
    refresh(null);
  }

  private Future<TrackingConnection> open(String endpoint, TrackingMode trackingMode, InvalidationListener to) {
    RedisURI uri;
    try {
      uri = new RedisURI(scheme + endpoint);
    } catch (RuntimeException e) {
      return Future.failedFuture(new LookupException(Failure.UNAVAILABLE, "not a node address: " + endpoint));
    }
    return TrackingConnection.open(vertx, net, uri, backend.user(), backend.password(), backend.tls() != null, timeout,
        to, trackingMode);
  }
}
