package dev.redisproxy.resp;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.security.ConnectionGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * {@code INFO [section ...]}: the Redis-style text report. Sections: {@code server},
 * {@code clients} (connections counted against {@code MAX_CONNECTIONS}, HTTP and RESP together)
 * and {@code cache} (the cache verticle's counters, fetched on {@link CacheVerticle#STATS}).
 * No section, {@code default}, {@code all} or {@code everything} means all three; an unknown
 * section contributes nothing, as in Redis.
 */
final class Info {

  private static final Set<String> ALL = Set.of("default", "all", "everything");
  private static final Set<String> SECTIONS = Set.of("server", "clients", "cache");

  private final Vertx vertx;
  private final ProxyConfig config;
  private final ConnectionGate gate;
  private final DeliveryOptions statsOptions;

  Info(Vertx vertx, ProxyConfig config, ConnectionGate gate, DeliveryOptions statsOptions) {
    this.vertx = vertx;
    this.config = config;
    this.gate = gate;
    this.statsOptions = statsOptions;
  }

  /** The reply: a bulk string, or an UNAVAILABLE error if the cache statistics cannot be had. */
  Future<Buffer> reply(RespCommand cmd) {
    Set<String> sections = new LinkedHashSet<>();
    for (int i = 1; i < cmd.argc(); i++) {
      String s = cmd.lower(i);
      if (ALL.contains(s)) {
        sections.addAll(SECTIONS);
      } else if (SECTIONS.contains(s)) {
        sections.add(s);
      }
    }
    if (cmd.argc() == 1) {
      sections.addAll(SECTIONS);
    }
    Future<CacheStats> stats = sections.contains("cache")
        ? vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null, statsOptions).map(Message::body)
        : Future.succeededFuture();
    return stats
        .map(s -> RespEncoder.bulkString(text(sections, s)))
        .otherwise(err -> RespEncoder.error("UNAVAILABLE cache statistics unavailable: " + err.getMessage()));
  }

  private String text(Set<String> sections, CacheStats stats) {
    StringBuilder out = new StringBuilder();
    for (String section : new String[] {"server", "clients", "cache"}) {
      if (!sections.contains(section)) {
        continue;
      }
      if (out.length() > 0) {
        out.append("\r\n");
      }
      switch (section) {
        case "server" -> server(out);
        case "clients" -> clients(out);
        default -> cache(out, stats);
      }
    }
    return out.toString();
  }

  private void server(StringBuilder out) {
    long uptimeS = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
    out.append("# Server\r\n");
    field(out, "redis_version", Commands.REDIS_VERSION);
    field(out, "redis_mode", "standalone");
    field(out, "proxy", "redis-proxy");
    field(out, "proxy_backend", config.redisAddress());
    field(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    field(out, "java_version", System.getProperty("java.version"));
    field(out, "process_id", ProcessHandle.current().pid());
    field(out, "tcp_port", config.respPort());
    field(out, "uptime_in_seconds", uptimeS);
    field(out, "uptime_in_days", uptimeS / 86400);
  }

  private void clients(StringBuilder out) {
    out.append("# Clients\r\n");
    field(out, "connected_clients", gate.open());
    field(out, "maxclients", gate.limit());
  }

  private void cache(StringBuilder out, CacheStats s) {
    long lookups = s.hits() + s.misses();
    out.append("# Cache\r\n");
    field(out, "cache_hits", s.hits());
    field(out, "cache_misses", s.misses());
    field(out, "cache_hit_ratio", String.format(Locale.ROOT, "%.4f", lookups == 0 ? 0.0 : (double) s.hits() / lookups));
    field(out, "cache_coalesced", s.coalesced());
    field(out, "cache_evictions", s.evictions());
    field(out, "cache_expirations", s.expirations());
    field(out, "cache_keys", s.keys());
    field(out, "cache_capacity", s.capacity());
    field(out, "cache_inflight", s.inFlight());
    field(out, "cache_ttl_ms", config.cacheTtl().toMillis());
    field(out, "cache_invalidation", config.cacheInvalidation().id());
    if (s.tracking().on()) {
      field(out, "cache_tracking_up", s.tracking().up() ? 1 : 0);
      field(out, "cache_tracking_invalidations", s.tracking().keys());
      field(out, "cache_tracking_flushes", s.tracking().flushes());
      field(out, "cache_tracking_connection_losses", s.tracking().connectionLosses());
    }
  }

  private static void field(StringBuilder out, String name, Object value) {
    out.append(name).append(':').append(value).append("\r\n");
  }
}
