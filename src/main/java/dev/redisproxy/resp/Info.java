package dev.redisproxy.resp;

import dev.redisproxy.cache.CacheStats;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.HotKeysSnapshot;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.security.ConnectionGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code INFO [section ...]}: the Redis-style text report, a bulk string in RESP2 and a verbatim
 * string in RESP3. Sections: {@code server}, {@code clients} (connections counted against
 * {@code MAX_CONNECTIONS}, HTTP and RESP together) and {@code cache} (the cache verticle's
 * counters, fetched on {@link CacheVerticle#STATS}). No section, {@code default}, {@code all} or
 * {@code everything} means all of them; an unknown section contributes nothing, as in Redis.
 *
 * <p>A section is a name and a function producing its text; one that needs another verticle's
 * figures returns them as a future. A new section is one more entry in {@link #sections}.
 * {@code hotkeys} ({@link InfoHotKeys}) is listed only when named, or with {@code all} or
 * {@code everything}: a plain {@code INFO} leaves it out, as Redis leaves out its long sections.
 */
final class Info {

  private static final Set<String> ALL = Set.of("default", "all", "everything");
  private static final String HOTKEYS = "hotkeys";

  private final Vertx vertx;
  private final ProxyConfig config;
  private final ConnectionGate gate;
  private final DeliveryOptions statsOptions;
  // In report order.
  private final Map<String, Supplier<Future<String>>> sections = new LinkedHashMap<>();

  Info(Vertx vertx, ProxyConfig config, ConnectionGate gate, DeliveryOptions statsOptions) {
    this.vertx = vertx;
    this.config = config;
    this.gate = gate;
    this.statsOptions = statsOptions;
    sections.put("server", () -> Future.succeededFuture(server()));
    sections.put("clients", () -> Future.succeededFuture(clients()));
    sections.put("cache", this::cache);
    sections.put(HOTKEYS, () -> InfoHotKeys.fetch(vertx, statsOptions).map(snapshot -> {
      StringBuilder out = new StringBuilder();
      InfoHotKeys.append(out, snapshot);
      return out.toString();
    }));
  }

  /** The reply in {@code protocol}, or an UNAVAILABLE error if a section's figures cannot be had. */
  Future<Buffer> reply(RespCommand cmd, Protocol protocol) {
    List<Future<String>> texts = new ArrayList<>();
    sections.forEach((name, text) -> {
      if (chosen(cmd, name)) {
        texts.add(text.get());
      }
    });
    return Future.all(texts)
        .map(all -> RespWriter.reply(protocol).verbatim(String.join("\r\n", all.<String>list())).take())
        .otherwise(err -> RespEncoder.error("UNAVAILABLE " + err.getMessage()));
  }

  private static boolean chosen(RespCommand cmd, String section) {
    if (section.equals(HOTKEYS)) {
      return InfoHotKeys.wanted(cmd);
    }
    if (cmd.argc() == 1) {
      return true;
    }
    for (int i = 1; i < cmd.argc(); i++) {
      String s = cmd.lower(i);
      if (s.equals(section) || ALL.contains(s)) {
        return true;
      }
    }
    return false;
  }

  private String server() {
    long uptimeS = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
    StringBuilder out = new StringBuilder("# Server\r\n");
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
    return out.toString();
  }

  private String clients() {
    StringBuilder out = new StringBuilder("# Clients\r\n");
    field(out, "connected_clients", gate.open());
    field(out, "maxclients", gate.limit());
    return out.toString();
  }

  private Future<String> cache() {
    return vertx.eventBus().<CacheStats>request(CacheVerticle.STATS, null, statsOptions)
        .map(Message::body)
        .recover(err -> Future.failedFuture("cache statistics unavailable: " + err.getMessage()))
        .map(this::cache);
  }

  private String cache(CacheStats s) {
    long lookups = s.hits() + s.misses();
    StringBuilder out = new StringBuilder("# Cache\r\n");
    field(out, "cache_hits", s.hits());
    field(out, "cache_misses", s.misses());
    field(out, "cache_hit_ratio", String.format(Locale.ROOT, "%.4f", lookups == 0 ? 0.0 : (double) s.hits() / lookups));
    field(out, "cache_coalesced", s.coalesced());
    field(out, "cache_evictions", s.evictions());
    field(out, "cache_expirations", s.expirations());
    field(out, "cache_keys", s.keys());
    field(out, "cache_capacity", s.capacity());
    field(out, "cache_bytes", s.bytes());
    field(out, "cache_max_bytes", s.maxBytes());
    field(out, "cache_uncacheable", s.uncacheable());
    field(out, "cache_stale_served", s.staleServed());
    field(out, "cache_inflight", s.inFlight());
    field(out, "cache_ttl_ms", config.cacheTtl().toMillis());
    field(out, "cache_invalidation", config.cacheInvalidation().id());
    if (s.tracking().on()) {
      field(out, "cache_tracking_up", s.tracking().up() ? 1 : 0);
      field(out, "cache_tracking_invalidations", s.tracking().keys());
      field(out, "cache_tracking_flushes", s.tracking().flushes());
      field(out, "cache_tracking_connection_losses", s.tracking().connectionLosses());
    }
    return out.toString();
  }

  private static void field(StringBuilder out, String name, Object value) {
    out.append(name).append(':').append(value).append("\r\n");
  }
}
