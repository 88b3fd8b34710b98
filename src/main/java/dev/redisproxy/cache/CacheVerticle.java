package dev.redisproxy.cache;

import dev.redisproxy.config.CacheInvalidation;
import dev.redisproxy.config.ProxyConfig;
import io.netty.buffer.Unpooled;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the cache. Deployed exactly once: a second instance would silently split the
 * cache. Front ends reach it only through its addresses on the local event bus; everything here
 * runs on this verticle's event loop, so the map and the in-flight table need no locks.
 *
 * <p>A thin adapter: what is kept and for how long (Redis's TTL, negative and stale entries) is
 * {@link CacheEntries} over {@link LruTtlCache}, the deadline {@link Deadline}, the reads under way
 * and their coalescing {@link InFlightReads}, what Redis reports about changed keys
 * {@link RedisChanges}, the read outcomes {@link RedisHealth}; this class answers the event-bus
 * messages with them. A failed read is answered with a stale entry where {@link CacheEntries#stale}
 * allows one, each waiter of the read alike.
 *
 * <p>The one deadline: every Redis read and PING is bounded by {@code REDIS_TIMEOUT} here, by one
 * timer per read (coalesced misses share their read's), and nowhere else. Here, because
 * {@code REDIS_TIMEOUT} is the promise to the client ("how long a miss waits for Redis"), and only
 * this layer sees the whole wait: a queue for a pipeline slot, the pipeline, a tracking read that
 * falls back to the pool. The readers arm no deadline on a read; they only notice a connection
 * that stopped answering and replace it ({@code RenewingRedis}, the tracking connection's PING).
 * The timeout is the only failure classified here; what a reader fails with it has classified.
 *
 * <p>Invalidation ({@link #INVALIDATE}, {@link #INVALIDATE_ALL}, and with
 * {@code CACHE_INVALIDATION=tracking} Redis's own reports) drops entries and detaches the reads under
 * way for them, so those reads store nothing. A read is stored only if the reader said at its
 * start that its changes will be reported ({@link RedisReader#cacheable(Key)}): nothing read while
 * tracking is down is kept.
 */
public final class CacheVerticle extends VerticleBase {

  /**
   * Body: a {@link LookupRequest}. No reply: the answers are sent to the request's {@code replyTo}
   * as {@link LookupAnswers}, see {@link CacheClient}.
   */
  public static final String LOOKUP = "redis-proxy.cache.lookup";
  public static final String STATS = "redis-proxy.cache.stats";
  /** Body: a {@link Key}. Reply: 1 if it was cached, else 0. Redis is not touched. */
  public static final String INVALIDATE = "redis-proxy.cache.invalidate";
  /** Body: ignored. Reply: how many entries were dropped. Redis is not touched. */
  public static final String INVALIDATE_ALL = "redis-proxy.cache.invalidate-all";
  /** Body: ignored. Reply: null once Redis answered PING within {@code REDIS_TIMEOUT}, else a {@link Failure}. */
  public static final String PING = "redis-proxy.cache.ping";

  /**
   * Slack over {@code REDIS_TIMEOUT} for whoever waits for this verticle (a lookup, a stats or PING
   * request): it answers by {@code REDIS_TIMEOUT} itself, so a wait this much longer only catches a
   * cache verticle that cannot answer at all.
   */
  public static final long ANSWER_SLACK_MS = 1_000;
  /** Distinct keys being read from Redis at once; more would only queue behind a slow Redis. */
  public static final int MAX_IN_FLIGHT = 8192;
  /** How often expired entries are swept, at most; the sweep is O(expired entries). */
  private static final long MAX_PURGE_INTERVAL_MS = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);

  private final ProxyConfig config;
  private final Function<Vertx, RedisReader> readerFactory;
  private final Ticker ticker;
  private final long timeoutMs;

  private CacheEntries entries;
  private Deadline deadline;
  private RedisReader reader;
  private final InFlightReads inFlight = new InFlightReads(MAX_IN_FLIGHT, new InFlightReads.Source() {
    @Override
    public Future<RedisValue> read(Key key) {
      return deadline.bound(reader.get(key));
    }

    @Override
    public boolean storable(Key key) {
      return reader.cacheable(key);
    }

    @Override
    public void store(Key key, RedisValue value, long sentAt) {
      entries.store(key, value, sentAt);
    }

    @Override
    public void ended(AsyncResult<RedisValue> result) {
      if (result.succeeded()) {
        health.answered();
      } else {
        health.readFailed(((LookupException) result.cause()).failure());
      }
    }
  });
  private final RedisHealth health;
  // Answers gathered during this turn of the event loop, by the address of the client they go to.
  private final Map<String, LookupAnswers> outboxes = new HashMap<>();
  private final Handler<Void> sendAnswersTask = v -> sendAnswers();
  private boolean answersScheduled;
  // The PING under way, if any: concurrent readiness probes share it.
  private Future<Void> ping;
  private long hits;
  private long misses;
  private long invalidations;
  // Applies and counts what Redis reports about changed keys (CACHE_INVALIDATION=tracking).
  private final RedisChanges changes = new RedisChanges(this::drop, this::dropAll);
  // The most-read and most-missed keys of the last minute, for GET /hotkeys, the status page and INFO hotkeys.
  private HotKeys hotKeys;

  public CacheVerticle(ProxyConfig config, Function<Vertx, RedisReader> readerFactory, Ticker ticker) {
    this.config = config;
    this.readerFactory = readerFactory;
    this.ticker = ticker;
    this.timeoutMs = Math.max(1, config.redisTimeout().toMillis());
    this.health = new RedisHealth(config.redisAddress(), config.cacheInvalidation() != CacheInvalidation.NONE);
  }

  @Override
  public Future<?> start() {
    LocalCodec.registerAll(vertx);
    deadline = new Deadline(vertx, timeoutMs);
    entries = new CacheEntries(config.cacheMaxSize(), config.cacheMaxMemory(), config.cacheTtl().toNanos(),
        config.cacheNegativeTtl().toNanos(), config.cacheStaleIfError().toNanos(), ticker);
    reader = readerFactory.apply(vertx);
    hotKeys = new HotKeys(ticker.nanos(), config.hotKeys());
    reader.invalidations(changes);
    long purgeEvery = Math.max(10, Math.min(MAX_PURGE_INTERVAL_MS, config.cacheTtl().toMillis()));
    vertx.setPeriodic(purgeEvery, id -> entries.purgeExpired());
    EventBus bus = vertx.eventBus();
    // A list: Future.all takes at most six futures one by one.
    return Future.all(List.of(
        bus.localConsumer(LOOKUP, this::handleLookup).completion(),
        bus.localConsumer(STATS, msg -> msg.reply(stats())).completion(),
        bus.localConsumer(INVALIDATE, this::handleInvalidate).completion(),
        bus.localConsumer(INVALIDATE_ALL, this::handleInvalidateAll).completion(),
        bus.localConsumer(PING, this::handlePing).completion(),
        Heartbeat.answer(vertx, "cache"),
        bus.<Integer>localConsumer(HotKeys.ADDRESS, msg -> msg.reply(hotKeys.snapshot(ticker.nanos(), msg.body())))
            .completion(),
        bus.<LookupLatency>localConsumer(LookupLatency.ADDRESS, msg -> hotKeys.latency(msg.body(), ticker.nanos()))
            .completion()));
  }

  @Override
  public Future<?> stop() {
    return reader.close();
  }

  /**
   * Answers every key of the request into the requester's outbox: a hit at once, a miss when its
   * read completes. A failed read fails that key alone, unless a stale entry may stand in for it.
   */
  private void handleLookup(Message<LookupRequest> msg) {
    LookupRequest request = msg.body();
    String replyTo = request.replyTo();
    // Taken at the first hit: a request of misses only sends no empty answers now.
    LookupAnswers out = null;
    // One clock reading serves the whole request.
    long now = ticker.nanos();
    for (int i = 0; i < request.size(); i++) {
      Key key = request.key(i);
      int ticket = request.ticket(i);
      byte[] cached = entries.get(key, now);
      if (cached != null) {
        hits++;
        hotKeys.hit(key, now);
        if (out == null) {
          out = outbox(replyTo);
        }
        out.answer(ticket, cached == CacheEntries.MISSING ? LookupReply.NOT_FOUND
            : LookupReply.hit(view(cached), entries.age(now)));
        continue;
      }
      misses++;
      hotKeys.miss(key, now);
      inFlight.fetch(key, now).onComplete(
          read -> outbox(replyTo).answer(ticket, read.found() ? LookupReply.miss(read.value()) : LookupReply.NOT_FOUND),
          err -> outbox(replyTo).answer(ticket, staleOrFailed(key, (LookupException) err)));
    }
  }

  /** For a failed read: the entry that expired within the stale grace period, if the failure allows it; else the failure. */
  private LookupReply staleOrFailed(Key key, LookupException failure) {
    long now = ticker.nanos();
    byte[] stale = entries.stale(key, failure.failure(), now);
    if (stale == null) {
      return LookupReply.failed(failure);
    }
    return stale == CacheEntries.MISSING ? LookupReply.NOT_FOUND : LookupReply.stale(view(stale), entries.age(now));
  }

  /**
   * The answers gathered for a client during this turn of the event loop; the first one of a turn
   * schedules {@link #sendAnswers} at its end, so each client gets one message per turn.
   */
  private LookupAnswers outbox(String replyTo) {
    LookupAnswers out = outboxes.get(replyTo);
    if (out == null) {
      out = new LookupAnswers(16);
      outboxes.put(replyTo, out);
      if (!answersScheduled) {
        answersScheduled = true;
        context.runOnContext(sendAnswersTask);
      }
    }
    return out;
  }

  /** The cached bytes as a Buffer without copying them: a stored array is never changed. */
  private static Buffer view(byte[] cached) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(cached));
  }

  private void sendAnswers() {
    answersScheduled = false;
    EventBus bus = vertx.eventBus();
    outboxes.forEach(bus::send);
    outboxes.clear();
  }

  private void handleInvalidate(Message<Key> msg) {
    entries.purgeExpired();
    boolean dropped = drop(msg.body());
    invalidations += dropped ? 1 : 0;
    msg.reply(dropped ? 1 : 0);
  }

  private void handleInvalidateAll(Message<Object> msg) {
    entries.purgeExpired();
    int dropped = dropAll();
    invalidations += dropped;
    LOG.info("Cache cleared on request: {} entries dropped", dropped);
    msg.reply(dropped);
  }

  /** Drops the key and detaches a read under way for it, so that read cannot put an old value back; true if it was cached. */
  private boolean drop(Key key) {
    boolean dropped = entries.remove(key);
    inFlight.detach(key);
    return dropped;
  }

  /** Drops every entry and detaches every read under way; returns how many entries were dropped. */
  private int dropAll() {
    int dropped = entries.clear();
    inFlight.detachAll();
    return dropped;
  }

  private void handlePing(Message<Object> msg) {
    Future<Void> pong = ping != null ? ping : startPing();
    pong.onComplete(v -> msg.reply(null), err -> msg.fail(((LookupException) err).failure().code(), err.getMessage()));
  }

  private Future<Void> startPing() {
    Future<Void> pong = deadline.bound(reader.ping());
    ping = pong;
    pong.onComplete(v -> {
      ping = null;
      health.answered();
    }, err -> {
      ping = null;
      health.pingFailed(((LookupException) err).failure());
    });
    return pong;
  }

  private CacheStats stats() {
    LruTtlCache<Key, byte[]> cache = entries.map();
    return new CacheStats(hits, misses, inFlight.coalesced(), cache.evictions(), cache.expirations(), invalidations,
        entries.uncacheable(), entries.staleServed(), cache.size(), cache.capacity(), cache.bytes(), cache.maxBytes(),
        inFlight.size(),
        health.errors(), health.timeouts(), health.unavailable(), inFlight.rejected(), health.reachable(),
        trackingStats());
  }

  private CacheStats.Tracking trackingStats() {
    boolean on = config.cacheInvalidation() != CacheInvalidation.NONE;
    return changes.stats(on, on && reader.cacheable());
  }
}
