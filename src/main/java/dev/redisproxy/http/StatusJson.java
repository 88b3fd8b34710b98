package dev.redisproxy.http;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.cache.HotKeysSnapshot;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bodies of {@code GET /status.json} and {@code GET /hotkeys}. Field names are the contract of
 * the status page and of scripts (see docs/operations.md). Secrets never appear: the configuration is {@link ProxyConfig#describe()}.
 *
 * <p>{@code latency} is the lookups' as the front ends saw them, over the hot-key window (see
 * {@link dev.redisproxy.cache.LookupLatency}). Redis read latency is over about the last minute: each answer compares the read timer's
 * histogram with the one it kept from a minute before. One instance per HTTP front-end instance,
 * used on its event loop only.
 */
final class StatusJson {

  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long SAMPLE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ProxyConfig config;
  private final ProxyMetrics metrics;
  // Histograms of Redis reads taken at most once a second, oldest first; the oldest is a minute back or less.
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();

  private record Sample(long at, HistogramSnapshot histogram) {
  }

  StatusJson(ProxyConfig config, ProxyMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    samples.add(new Sample(System.nanoTime(), metrics.redisRead().takeSnapshot()));
  }

  /** {@code {"window_seconds": 60, "keys": [{"key": ..., "reads": ..., "hits": ..., "misses": ...}, ...]}}. */
  static JsonObject hotKeys(HotKeysSnapshot snap, List<HotKeysSnapshot.Row> rows) {
    JsonArray keys = new JsonArray();
    for (HotKeysSnapshot.Row row : rows) {
      keys.add(new JsonObject().put("key", row.key()).put("reads", row.reads()).put("hits", row.hits())
          .put("misses", row.misses()));
    }
    return new JsonObject().put("window_seconds", snap.windowSeconds()).put("keys", keys);
  }

  JsonObject status(CacheStats s, HotKeysSnapshot hot) {
    long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
    return new JsonObject()
        .put("uptime_seconds", uptimeMs / 1000)
        .put("lookups", new JsonObject()
            .put("hits", s.hits())
            .put("misses", s.misses())
            .put("hit_ratio", s.hitRatio())
            .put("per_second", array(hot.readsPerSecond()))
            .put("misses_per_second", array(hot.missesPerSecond())))
        .put("latency", new JsonObject()
            .put("lookups", hot.latency().lookups())
            .put("p50_ms", hot.latency().p50Ms())
            .put("p99_ms", hot.latency().p99Ms()))
        .put("cache", new JsonObject()
            .put("keys", s.keys())
            .put("max_keys", s.capacity())
            .put("bytes", s.bytes())
            .put("max_bytes", s.maxBytes())
            .put("evictions", s.evictions())
            .put("expirations", s.expirations())
            .put("invalidations", s.invalidations())
            .put("coalesced", s.coalesced())
            .put("uncacheable", s.uncacheable())
            .put("stale_served", s.staleServed()))
        .put("redis", redis(s))
        .put("tracking", new JsonObject()
            .put("mode", config.cacheInvalidation().id())
            .put("up", s.tracking().up())
            .put("invalidations", s.tracking().keys())
            .put("flushes", s.tracking().flushes())
            .put("connection_losses", s.tracking().connectionLosses()))
        .put("connections", new JsonObject()
            .put("open", (long) gauge("redis.proxy.client.connections"))
            .put("max", config.maxConnections())
            .put("refused", (long) metrics.registry().find("redis.proxy.client.connections.refused")
                .functionCounter().count()))
        .put("hotkeys", hotKeys(hot, hot.byReads()).put("by_misses", hotKeys(hot, hot.byMisses()).getJsonArray("keys")))
        .put("config", new JsonObject(new LinkedHashMap<>(config.describe())));
  }

  private JsonObject redis(CacheStats s) {
    HistogramSnapshot window = readsOfLastMinute();
    return new JsonObject()
        .put("up", s.redisReachable())
        .put("address", config.redisAddress())
        .put("reads_last_minute", window.count())
        .put("read_p50_ms", percentileMs(window, 0.50))
        .put("read_p99_ms", percentileMs(window, 0.99))
        .put("in_flight", s.inFlight())
        .put("errors", s.redisErrors())
        .put("timeouts", s.redisTimeouts())
        .put("unavailable", s.redisUnavailable())
        .put("rejected", s.rejected());
  }

  /** The Redis reads since the oldest sample kept (about a minute ago, or start-up), as a cumulative histogram. */
  private HistogramSnapshot readsOfLastMinute() {
    long now = System.nanoTime();
    HistogramSnapshot current = metrics.redisRead().takeSnapshot();
    // The baseline is the newest sample at least a minute old.
    while (samples.size() > 1 && now - secondOldest().at() >= WINDOW_NANOS) {
      samples.pollFirst();
    }
    if (now - samples.peekLast().at() >= SAMPLE_EVERY_NANOS) {
      samples.addLast(new Sample(now, current));
    }
    HistogramSnapshot base = samples.peekFirst().histogram();
    CountAtBucket[] now1 = current.histogramCounts();
    CountAtBucket[] then = base.histogramCounts();
    CountAtBucket[] diff = new CountAtBucket[now1.length];
    for (int i = 0; i < now1.length; i++) {
      double before = i < then.length ? then[i].count() : 0;
      diff[i] = new CountAtBucket(now1[i].bucket(), now1[i].count() - before);
    }
    return new HistogramSnapshot(current.count() - base.count(), 0, 0, null, diff, null);
  }

  private Sample secondOldest() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }

  /**
   * The q-quantile in milliseconds, interpolated within its histogram bucket; null without reads, and
   * the last bound when it lies beyond it.
   */
  static Double percentileMs(HistogramSnapshot h, double q) {
    long total = h.count();
    if (total == 0) {
      return null;
    }
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (CountAtBucket b : h.histogramCounts()) {
      double upper = b.bucket(TimeUnit.MILLISECONDS);
      if (b.count() >= rank) {
        double inBucket = b.count() - below;
        double at = inBucket == 0 ? upper : lower + (upper - lower) * (rank - below) / inBucket;
        return Math.round(at * 1000) / 1000.0;
      }
      lower = upper;
      below = b.count();
    }
    return lower;
  }

  private double gauge(String name) {
    Gauge g = metrics.registry().find(name).gauge();
    return g == null ? 0 : g.value();
  }

  private static JsonArray array(long[] values) {
    JsonArray out = new JsonArray();
    for (long v : values) {
      out.add(v);
    }
    return out;
  }
}
