package dev.redisproxy.cache;

import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.redis.RedisException;
import dev.redisproxy.redis.RedisReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the cache. Deployed exactly once: a second instance would silently split the
 * cache. Front ends reach it only through {@link #LOOKUP} on the local event bus; everything
 * here runs on this verticle's event loop, so the map and the in-flight table need no locks.
 *
 * <p>A miss reads Redis through the {@link RedisReader}. Concurrent misses for one key share one
 * read (the in-flight table), every read is bounded by {@code REDIS_TIMEOUT}, and the number of
 * reads under way is bounded by {@link #MAX_IN_FLIGHT}: past it lookups fail fast.
 */
public final class CacheVerticle extends VerticleBase {

  public static final String LOOKUP = "redis-proxy.cache.lookup";
  public static final String STATS = "redis-proxy.cache.stats";

  /** Distinct keys being read from Redis at once; more would only queue behind a slow Redis. */
  public static final int MAX_IN_FLIGHT = 8192;
  /** How often expired entries are swept, at most; the sweep is O(expired entries). */
  private static final long MAX_PURGE_INTERVAL_MS = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);

  private final ProxyConfig config;
  private final Function<Vertx, RedisReader> readerFactory;
  private final Ticker ticker;

  private LruTtlCache<Key, Buffer> cache;
  private RedisReader reader;
  // Reads of Redis under way, by key: a miss for a key already here joins the pending read.
  private final Map<Key, Future<Buffer>> inFlight = new HashMap<>();
  // Whether the last read reached Redis; logs the change of state once, not once per request.
  private boolean redisReachable = true;
  private long hits;
  private long misses;
  private long coalesced;

  public CacheVerticle(ProxyConfig config, Function<Vertx, RedisReader> readerFactory, Ticker ticker) {
    this.config = config;
    this.readerFactory = readerFactory;
    this.ticker = ticker;
  }

  @Override
  public Future<?> start() {
    LocalCodec.registerAll(vertx);
    cache = new LruTtlCache<>(config.cacheMaxSize(), config.cacheTtl().toNanos(), ticker);
    reader = readerFactory.apply(vertx);
    long purgeEvery = Math.max(10, Math.min(MAX_PURGE_INTERVAL_MS, config.cacheTtl().toMillis()));
    vertx.setPeriodic(purgeEvery, id -> cache.purgeExpired());
    MessageConsumer<Lookup> lookups = vertx.eventBus().localConsumer(LOOKUP, this::handleLookup);
    MessageConsumer<Object> stats = vertx.eventBus().localConsumer(STATS, msg -> msg.reply(stats()));
    return Future.all(lookups.completion(), stats.completion());
  }

  @Override
  public Future<?> stop() {
    return reader.close();
  }

  private void handleLookup(Message<Lookup> msg) {
    Key key = msg.body().key();
    Buffer cached = cache.get(key);
    if (cached != null) {
      hits++;
      msg.reply(LookupReply.hit(cached));
      return;
    }
    misses++;
    fetch(key).onComplete(
        value -> msg.reply(value == null ? LookupReply.NOT_FOUND : LookupReply.miss(value)),
        err -> msg.fail(failureOf(err).code(), err.getMessage()));
  }

  /** The value from Redis, sharing a read already under way for the same key. */
  private Future<Buffer> fetch(Key key) {
    Future<Buffer> pending = inFlight.get(key);
    if (pending != null) {
      coalesced++;
      return pending;
    }
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      return Future.failedFuture(new RedisException(Failure.OVERLOADED,
          "too many Redis reads under way (" + MAX_IN_FLIGHT + ")"));
    }
    Future<Buffer> read = reader.get(key)
        .timeout(config.redisTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .recover(err -> Future.failedFuture(asRedisFailure(err)));
    inFlight.put(key, read);
    // Registered before any waiter's handler, so the value is cached before anyone is answered.
    read.onComplete(value -> {
      inFlight.remove(key);
      noteReachable(true);
      if (value != null) {
        cache.put(key, value);
      }
    }, err -> {
      inFlight.remove(key);
      if (failureOf(err) != Failure.REDIS_ERROR) {
        noteReachable(false);
      }
    });
    return read;
  }

  private RedisException asRedisFailure(Throwable err) {
    if (err instanceof RedisException re) {
      return re;
    }
    if (err instanceof TimeoutException) {
      return new RedisException(Failure.TIMEOUT,
          "Redis did not answer within " + config.redisTimeout().toMillis() + " ms");
    }
    return new RedisException(Failure.UNAVAILABLE, String.valueOf(err.getMessage()));
  }

  private static Failure failureOf(Throwable err) {
    return err instanceof RedisException re ? re.failure() : Failure.UNAVAILABLE;
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
    return new CacheStats(hits, misses, coalesced, cache.evictions(), cache.expirations(),
        cache.size(), cache.capacity(), inFlight.size());
  }
}
