package dev.redisproxy.metrics;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.security.ConnectionGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The proxy's own meters, in one Prometheus registry, named by Prometheus conventions
 * ({@code redis_proxy_} prefix, {@code _total} counters, seconds).
 *
 * <p>Design: nothing is computed per request. The cache's figures are not counted a second
 * time: they are read from the latest {@link CacheStats} snapshot, which the {@code /metrics}
 * handler asks the cache verticle for just before each scrape ({@link #update}). So a hit costs
 * no more than the cache verticle's own counter, and {@code /metrics} agrees with RESP
 * {@code INFO}, which reports the same snapshot. Connection figures are read from the
 * {@link ConnectionGate} the same way. Requests by front end and status are counters that the
 * front ends look up once at start-up ({@link #requests}); counting one is an adder increment.
 * Redis read latency is a timer with fixed buckets, recorded once per Redis read (misses only).
 */
public final class ProxyMetrics {

  /** Bucket bounds of {@code redis_proxy_redis_read_seconds}: a local Redis answers in well under 1 ms. */
  private static final Duration[] READ_BUCKETS = {
      Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5)};

  private final PrometheusMeterRegistry registry;
  private final ConnectionGate gate;
  private final Timer redisRead;
  // The cache verticle's figures as of the last scrape; written by whichever event loop serves /metrics.
  private volatile CacheStats cache = CacheStats.NONE;
  // Each front end's instances' reply budgets, by front end ("http", "resp").
  private final Map<String, List<HeldBytes>> held = new ConcurrentHashMap<>();

  public ProxyMetrics(PrometheusMeterRegistry registry, ConnectionGate gate) {
    this.registry = registry;
    this.gate = gate;
    registerCacheMeters();
    registerTrackingMeters();
    registerRedisMeters();
    registerConnectionMeters();
    redisRead = Timer.builder("redis.proxy.redis.read")
        .description("Time Redis took to answer a GET for a miss (answers only: failures are in redis_proxy_redis_read_failures_total)")
        .serviceLevelObjectives(READ_BUCKETS)
        .register(registry);
  }

  /** A registry with the defaults; one per proxy. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Records how long Redis took to answer a read. */
  public Timer redisRead() {
    return redisRead;
  }

  /**
   * The counter of requests a front end answered with a status: {@code redis_proxy_requests_total}.
   * Registers it on first use; call it at start-up and keep the counter, never per request.
   */
  public Counter requests(String frontEnd, String status) {
    return Counter.builder("redis.proxy.requests")
        .description("Requests answered, by front end and status (HTTP: the status code)")
        .tag("frontend", frontEnd)
        .tag("status", status)
        .register(registry);
  }

  /**
   * The counter of failed client authentications on a front end: {@code redis_proxy_auth_failures_total}.
   * Like {@link #requests}, registered at start-up and kept.
   */
  public Counter authFailures(String frontEnd) {
    return Counter.builder("redis.proxy.auth.failures")
        .description("Client authentications that failed (wrong password offered), by front end")
        .tag("frontend", frontEnd)
        .register(registry);
  }

  /**
   * Where a front-end instance whose reply budget is {@code max} bytes publishes what it holds for its
   * clients; {@code redis_proxy_client_reply_bytes} and {@code _max_bytes} sum a front end's
   * instances. Call once per instance, at start-up.
   */
  public HeldBytes heldBytes(String frontEnd, long max) {
    HeldBytes instance = new HeldBytes(max);
    List<HeldBytes> instances = held.computeIfAbsent(frontEnd, name -> {
      List<HeldBytes> all = new CopyOnWriteArrayList<>();
      Gauge.builder("redis.proxy.client.reply.bytes", all, l -> l.stream().mapToLong(HeldBytes::held).sum())
          .description("Bytes held for clients, by front end: values answered and not yet taken by the kernel, and what"
              + " the lookups in flight reserved; requests for values wait while it is at the budget")
          .tag("frontend", name).register(registry);
      Gauge.builder("redis.proxy.client.reply.max.bytes", all, l -> l.stream().mapToLong(HeldBytes::max).sum())
          .description("The reply budget, by front end: an eighth of the heap over all front-end instances")
          .tag("frontend", name).register(registry);
      return all;
    });
    instances.add(instance);
    return instance;
  }

  /** Takes the cache verticle's figures for the next scrape. */
  public void update(CacheStats stats) {
    cache = stats;
  }

  private void registerCacheMeters() {
    counter("redis.proxy.cache.hits", "Lookups served from the cache", s -> s.cache.hits());
    counter("redis.proxy.cache.misses", "Lookups that had to read Redis (found there or not, failed or not)",
        s -> s.cache.misses());
    counter("redis.proxy.cache.coalesced", "Misses that waited for a Redis read already under way for the same key",
        s -> s.cache.coalesced());
    counter("redis.proxy.cache.evictions", "Entries dropped to make room (least recently used first)",
        s -> s.cache.evictions());
    counter("redis.proxy.cache.expirations", "Entries dropped because their lifetime (CACHE_TTL, or the key's shorter TTL in Redis) ended", s -> s.cache.expirations());
    counter("redis.proxy.cache.invalidations", "Entries dropped by DELETE /cache or DELETE /cache/<key>",
        s -> s.cache.invalidations());
    counter("redis.proxy.cache.uncacheable", "Values read from Redis and served, but too large to cache (over 1/8 of"
        + " CACHE_MAXMEMORY)", s -> s.cache.uncacheable());
    counter("redis.proxy.cache.stale.served", "Lookups answered with an expired entry because Redis was unreachable, timed"
        + " out or overloaded (CACHE_STALE_IF_ERROR)", s -> s.cache.staleServed());
    gauge("redis.proxy.cache.keys", "Entries in the cache now", s -> s.cache.keys());
    gauge("redis.proxy.cache.max.keys", "Capacity of the cache (CACHE_MAXSIZE)", s -> s.cache.capacity());
    gauge("redis.proxy.cache.bytes", "Bytes the cache's entries weigh now: keys, values and per-entry overhead",
        s -> s.cache.bytes());
    gauge("redis.proxy.cache.max.bytes", "The cache's byte budget (CACHE_MAXMEMORY)", s -> s.cache.maxBytes());
    gauge("redis.proxy.cache.hit.ratio", "Hits over lookups since start-up; graph rates of the hit and miss counters instead",
        s -> s.cache.hitRatio());
  }

  private void registerTrackingMeters() {
    counter("redis.proxy.cache.tracking.invalidations",
        "Keys Redis reported as changed (CACHE_INVALIDATION=tracking or broadcast), cached or not; each was dropped if cached",
        s -> s.cache.tracking().keys());
    String flushes = "redis.proxy.cache.tracking.flushes";
    String flushesHelp = "Whole-cache drops: Redis was flushed (FLUSHALL/FLUSHDB), or the tracking connection was lost"
        + " or stopped answering PING, or the Sentinel master changed";
    FunctionCounter.builder(flushes, this, s -> s.cache.tracking().flushes()).description(flushesHelp)
        .tag("reason", "redis_flush").register(registry);
    FunctionCounter.builder(flushes, this, s -> s.cache.tracking().connectionLosses()).description(flushesHelp)
        .tag("reason", "connection_lost").register(registry);
    gauge("redis.proxy.cache.tracking.up",
        "1 while the tracking connection to Redis is up and misses are cached (CACHE_INVALIDATION=tracking or broadcast), else 0",
        s -> s.cache.tracking().up() ? 1 : 0);
  }

  private void registerRedisMeters() {
    String failures = "redis.proxy.redis.read.failures";
    String failuresHelp = "Redis reads that failed: error reply, no answer within REDIS_TIMEOUT, or Redis unreachable";
    FunctionCounter.builder(failures, this, s -> s.cache.redisErrors()).description(failuresHelp)
        .tag("reason", "error").register(registry);
    FunctionCounter.builder(failures, this, s -> s.cache.redisTimeouts()).description(failuresHelp)
        .tag("reason", "timeout").register(registry);
    FunctionCounter.builder(failures, this, s -> s.cache.redisUnavailable()).description(failuresHelp)
        .tag("reason", "unavailable").register(registry);
    counter("redis.proxy.redis.reads.rejected", "Misses failed at once because too many Redis reads were under way",
        s -> s.cache.rejected());
    gauge("redis.proxy.redis.reads.in.flight", "Redis reads under way now", s -> s.cache.inFlight());
    gauge("redis.proxy.redis.up", "1 if the last Redis read or PING got an answer, else 0",
        s -> s.cache.redisReachable() ? 1 : 0);
  }

  private void registerConnectionMeters() {
    gauge("redis.proxy.client.connections", "Client connections held now, HTTP and RESP together",
        s -> s.gate.open());
    gauge("redis.proxy.client.connections.max", "Client connections allowed at once (MAX_CONNECTIONS)",
        s -> s.gate.limit());
    counter("redis.proxy.client.connections.refused", "Client connections refused because MAX_CONNECTIONS were open",
        s -> s.gate.refused());
  }

  // Function meters hold their object weakly: it is this, which the proxy keeps as long as it runs.
  private void counter(String name, String help, ToDoubleFunction<ProxyMetrics> f) {
    FunctionCounter.builder(name, this, f).description(help).register(registry);
  }

  private void gauge(String name, String help, ToDoubleFunction<ProxyMetrics> f) {
    Gauge.builder(name, this, f).description(help).register(registry);
  }
}
