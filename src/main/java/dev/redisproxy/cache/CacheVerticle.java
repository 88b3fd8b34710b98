package dev.redisproxy.cache;

import dev.redisproxy.config.CacheInvalidation;
import dev.redisproxy.config.ProxyConfig;
import io.netty.buffer.Unpooled;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the cache. Deployed exactly once: a second instance would silently split the
 * cache. Front ends reach it only through its addresses on the local event bus; everything here
 * runs on this verticle's event loop, so the map and the in-flight table need no locks.
 *
 * <p>A miss reads Redis through the {@link RedisReader}. Concurrent misses for one key share one
 * read (the in-flight table), every read is bounded by {@code REDIS_TIMEOUT}, and the number of
 * reads under way is bounded by {@link #MAX_IN_FLIGHT}: past it lookups fail fast.
 *
 * <p>Invalidation ({@link #INVALIDATE}, {@link #INVALIDATE_ALL}) drops entries and also detaches
 * the reads under way for them: a read stores its value only while it is still the key's entry
 * in the in-flight table, so a read that started before an invalidation never puts the old value
 * back afterwards, and the next lookup starts a fresh read.
 *
 * <p>With {@code CACHE_INVALIDATION=tracking} Redis reports changed keys through the reader, and
 * {@link RedisChanges} drops them the same way. A read is stored only if the reader said at its start
 * that its changes will be reported ({@link RedisReader#cacheable()}): nothing read while tracking
 * is down is kept.
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
   * request): it answers by {@code REDIS_TIMEOUT} itself, so this only catches a cache verticle that
   * cannot answer at all.
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

  // Values as bare arrays, copied once from Redis's reply: a Buffer would add ~64 bytes per entry.
  private LruTtlCache<Key, byte[]> cache;
  // The thread of this verticle's event loop: the only one that may touch the map.
  private Thread eventLoop;
  private RedisReader reader;
  // Reads of Redis under way, by key: a miss for a key already here joins the pending read.
  private final Map<Key, Future<Buffer>> inFlight = new HashMap<>();
  // Reads detached from inFlight by an invalidation but not finished: they still count against MAX_IN_FLIGHT.
  private int detached;
  // Answers gathered during this turn of the event loop, by the address of the client they go to.
  private final Map<String, LookupAnswers> outboxes = new HashMap<>();
  private final Handler<Void> sendAnswersTask = v -> sendAnswers();
  private boolean answersScheduled;
  // The PING under way, if any: concurrent readiness probes share it.
  private Future<Void> ping;
  // Whether the last read reached Redis; logs the change of state once, not once per request.
  private boolean redisReachable = true;
  private long hits;
  private long misses;
  private long coalesced;
  private long invalidations;
  private long redisErrors;
  private long redisTimeouts;
  private long redisUnavailable;
  private long rejected;
  // Applies and counts what Redis reports about changed keys (CACHE_INVALIDATION=tracking).
  private final RedisChanges changes = new RedisChanges(this::drop, this::dropAll);

  public CacheVerticle(ProxyConfig config, Function<Vertx, RedisReader> readerFactory, Ticker ticker) {
    this.config = config;
    this.readerFactory = readerFactory;
    this.ticker = ticker;
  }

  @Override
  public Future<?> start() {
    LocalCodec.registerAll(vertx);
    eventLoop = Thread.currentThread();
    cache = new LruTtlCache<>(config.cacheMaxSize(), config.cacheTtl().toNanos(), ticker);
    reader = readerFactory.apply(vertx);
    reader.invalidations(changes);
    long purgeEvery = Math.max(10, Math.min(MAX_PURGE_INTERVAL_MS, config.cacheTtl().toMillis()));
    vertx.setPeriodic(purgeEvery, id -> cache.purgeExpired());
    EventBus bus = vertx.eventBus();
    return Future.all(
        bus.localConsumer(LOOKUP, this::handleLookup).completion(),
        bus.localConsumer(STATS, msg -> msg.reply(stats())).completion(),
        bus.localConsumer(INVALIDATE, this::handleInvalidate).completion(),
        bus.localConsumer(INVALIDATE_ALL, this::handleInvalidateAll).completion(),
        bus.localConsumer(PING, this::handlePing).completion());
  }

  @Override
  public Future<?> stop() {
    return reader.close();
  }

  /**
   * Answers every key of the request into the requester's outbox: a hit at once, a miss when its
   * read completes. A failed read fails that key alone.
   */
  private void handleLookup(Message<LookupRequest> msg) {
    LookupRequest request = msg.body();
    String replyTo = request.replyTo();
    Key[] keys = request.keys();
    int[] tickets = request.tickets();
    // Taken at the first hit: a request of misses only sends no empty answers now.
    LookupAnswers out = null;
    // One clock reading serves the whole request.
    long now = ticker.nanos();
    for (int i = 0; i < request.count(); i++) {
      byte[] cached = cache.get(keys[i], now);
      if (cached != null) {
        hits++;
        if (out == null) {
          out = outbox(replyTo);
        }
        out.answer(tickets[i], LookupReply.hit(view(cached)));
        continue;
      }
      misses++;
      int ticket = tickets[i];
      fetch(keys[i]).onComplete(
          value -> outbox(replyTo).answer(ticket, value == null ? LookupReply.NOT_FOUND : LookupReply.miss(value)),
          err -> outbox(replyTo).fail(ticket, asRedisFailure(err)));
    }
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

  /** The value from Redis, sharing a read already under way for the same key. */
  private Future<Buffer> fetch(Key key) {
    Future<Buffer> pending = inFlight.get(key);
    if (pending != null) {
      coalesced++;
      return pending;
    }
    if (inFlight.size() + detached >= MAX_IN_FLIGHT) {
      rejected++;
      return Future.failedFuture(new LookupException(Failure.OVERLOADED,
          "too many Redis reads under way (" + MAX_IN_FLIGHT + ")"));
    }
    // Asked before the read starts: only a read whose key's changes Redis will report may be kept.
    boolean storable = reader.cacheable();
    Future<Buffer> read = bounded(reader.get(key));
    inFlight.put(key, read);
    // Registered before any waiter's handler, so the value is cached before anyone is answered.
    read.onComplete(value -> {
      noteReachable(true);
      if (settle(key, read) && storable && value != null) {
        cache.put(key, value.getBytes());
      }
    }, err -> {
      settle(key, read);
      countFailure(failureOf(err));
    });
    return read;
  }

  /** Takes a finished read out of the books; true if it is still its key's current read. */
  private boolean settle(Key key, Future<Buffer> read) {
    if (inFlight.get(key) == read) {
      inFlight.remove(key);
      return true;
    }
    detached--;
    return false;
  }

  private void handleInvalidate(Message<Key> msg) {
    cache.purgeExpired();
    boolean dropped = drop(msg.body());
    invalidations += dropped ? 1 : 0;
    msg.reply(dropped ? 1 : 0);
  }

  private void handleInvalidateAll(Message<Object> msg) {
    cache.purgeExpired();
    int dropped = dropAll();
    invalidations += dropped;
    LOG.info("Cache cleared on request: {} entries dropped", dropped);
    msg.reply(dropped);
  }

  /** Drops the key and detaches a read under way for it, so that read cannot put an old value back; true if it was cached. */
  private boolean drop(Key key) {
    boolean dropped = cache.remove(key);
    if (inFlight.remove(key) != null) {
      detached++;
    }
    return dropped;
  }

  /** Drops every entry and detaches every read under way; returns how many entries were dropped. */
  private int dropAll() {
    int dropped = cache.size();
    cache.clear();
    detached += inFlight.size();
    inFlight.clear();
    return dropped;
  }

  private void handlePing(Message<Object> msg) {
    Future<Void> pong = ping != null ? ping : startPing();
    pong.onComplete(v -> msg.reply(null), err -> msg.fail(failureOf(err).code(), err.getMessage()));
  }

  private Future<Void> startPing() {
    Future<Void> pong = bounded(reader.ping());
    ping = pong;
    pong.onComplete(v -> {
      ping = null;
      noteReachable(true);
    }, err -> {
      ping = null;
      if (failureOf(err) != Failure.REDIS_ERROR) {
        noteReachable(false);
      }
    });
    return pong;
  }

  /**
   * The Redis call, failing with a classified {@link LookupException} after {@code REDIS_TIMEOUT},
   * and completing on this verticle's event loop whatever thread the reader completes it on: the
   * callbacks touch the map and the in-flight table, which only this event loop may touch. (A
   * reader's future need not be bound to a context; one that waited in a queue is not.)
   */
  private <T> Future<T> bounded(Future<T> call) {
    Promise<T> result = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, config.redisTimeout().toMillis()),
        id -> result.tryFail(asRedisFailure(new TimeoutException())));
    call.onComplete(ar -> {
      if (Thread.currentThread() == eventLoop) {
        settleBounded(result, timer, ar);
      } else {
        context.runOnContext(v -> settleBounded(result, timer, ar));
      }
    });
    return result.future();
  }

  private <T> void settleBounded(Promise<T> result, long timer, AsyncResult<T> ar) {
    vertx.cancelTimer(timer);
    if (ar.succeeded()) {
      result.tryComplete(ar.result());
    } else {
      result.tryFail(asRedisFailure(ar.cause()));
    }
  }

  private void countFailure(Failure failure) {
    switch (failure) {
      case REDIS_ERROR -> redisErrors++;
      case TIMEOUT -> redisTimeouts++;
      default -> redisUnavailable++;
    }
    if (failure != Failure.REDIS_ERROR) {
      noteReachable(false);
    }
  }

  private LookupException asRedisFailure(Throwable err) {
    if (err instanceof LookupException re) {
      return re;
    }
    if (err instanceof TimeoutException) {
      return new LookupException(Failure.TIMEOUT,
          "Redis did not answer within " + config.redisTimeout().toMillis() + " ms");
    }
    return new LookupException(Failure.UNAVAILABLE, String.valueOf(err.getMessage()));
  }

  private static Failure failureOf(Throwable err) {
    return err instanceof LookupException re ? re.failure() : Failure.UNAVAILABLE;
  }

  private void noteReachable(boolean reachable) {
    if (reachable == redisReachable) {
      return;
    }
    redisReachable = reachable;
    if (reachable) {
      LOG.info("Redis at {} answers again", config.redisAddress());
    } else {
      LOG.warn("Redis at {} is unreachable or too slow; misses fail, cached keys are still served",
          config.redisAddress());
    }
  }

  private CacheStats stats() {
    return new CacheStats(hits, misses, coalesced, cache.evictions(), cache.expirations(), invalidations,
        cache.size(), cache.capacity(), inFlight.size() + detached,
        redisErrors, redisTimeouts, redisUnavailable, rejected, redisReachable, trackingStats());
  }

  private CacheStats.Tracking trackingStats() {
    boolean on = config.cacheInvalidation() == CacheInvalidation.TRACKING;
    return changes.stats(on, on && reader.cacheable());
  }
}
