package dev.redisproxy.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The validated, immutable configuration. Every value here has passed {@link ConfigLoader}'s
 * checks, so the rest of the proxy never re-validates.
 *
 * @param redisHost         backing Redis host, used when {@code redisUrl} is unset
 * @param redisPort         backing Redis port, used when {@code redisUrl} is unset
 * @param redisUrl          {@code redis://[user:pass@]host:port[/db]} or {@code rediss://}; null when unset
 * @param proxyPort         HTTP listen port
 * @param respPort          RESP listen port, 0 when the RESP front end is off
 * @param cacheTtl          global expiry, measured from insertion
 * @param cacheMaxSize      capacity in keys, 0 for pass-through
 * @param maxParallel       instances of each front-end verticle
 * @param maxConnections    client connections held at once, HTTP and RESP together
 * @param redisTimeout      how long a miss waits for Redis
 * @param clientIdleTimeout how long a silent client connection is kept
 * @param accessLog         whether every request is logged on the {@code dev.redisproxy.access} logger
 * @param logFormat         the layout of log lines
 * @param backend           the Redis deployment (standalone, Sentinel, Cluster), credentials, TLS, pool
 * @param security          client password, TLS and key allow-list; {@link SecurityConfig#NONE} when all are off
 */
public record ProxyConfig(
    String redisHost,
    int redisPort,
    String redisUrl,
    int proxyPort,
    int respPort,
    Duration cacheTtl,
    int cacheMaxSize,
    int maxParallel,
    int maxConnections,
    Duration redisTimeout,
    Duration clientIdleTimeout,
    boolean accessLog,
    LogFormat logFormat,
    RedisBackend backend,
    SecurityConfig security) {

  /** {@code REDIS_URL}, else {@code redis://REDIS_HOST:REDIS_PORT}; the client connects to {@link RedisBackend#endpoints()}. */
  public String redisConnectionString() {
    return redisUrl != null ? redisUrl : "redis://" + redisHost + ":" + redisPort;
  }

  /** The Redis deployment without credentials, fit for logs. */
  public String redisAddress() {
    return backend.address();
  }

  /** The effective configuration by variable name, without secrets, for the start-up log line. */
  public Map<String, String> describe() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("REDIS", redisAddress());
    out.put("REDIS_POOL_SIZE", Integer.toString(backend.poolSize()));
    out.put("REDIS_POOL_WAITING", Integer.toString(backend.poolWaiting()));
    out.put("PROXY_PORT", Integer.toString(proxyPort));
    out.put("RESP_PORT", respPort == 0 ? "off" : Integer.toString(respPort));
    out.put("CACHE_TTL", Durations.format(cacheTtl));
    out.put("CACHE_MAXSIZE", Integer.toString(cacheMaxSize));
    out.put("MAX_PARALLEL", Integer.toString(maxParallel));
    out.put("MAX_CONNECTIONS", Integer.toString(maxConnections));
    out.put("REDIS_TIMEOUT", Durations.format(redisTimeout));
    out.put("CLIENT_IDLE_TIMEOUT", Durations.format(clientIdleTimeout));
    out.put("ACCESS_LOG", Boolean.toString(accessLog));
    out.put("LOG_FORMAT", logFormat.id());
    security.describe(out);
    return out;
  }
}
