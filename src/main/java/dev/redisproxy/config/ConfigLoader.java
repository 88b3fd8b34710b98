package dev.redisproxy.config;

import static dev.redisproxy.config.Variable.ACCESS_LOG;
import static dev.redisproxy.config.Variable.CACHE_INVALIDATION;
import static dev.redisproxy.config.Variable.CACHE_MAXMEMORY;
import static dev.redisproxy.config.Variable.CACHE_MAXSIZE;
import static dev.redisproxy.config.Variable.CACHE_NEGATIVE_TTL;
import static dev.redisproxy.config.Variable.CACHE_STALE_IF_ERROR;
import static dev.redisproxy.config.Variable.CACHE_TTL;
import static dev.redisproxy.config.Variable.CLIENT_IDLE_TIMEOUT;
import static dev.redisproxy.config.Variable.HOTKEYS;
import static dev.redisproxy.config.Variable.LOG_FORMAT;
import static dev.redisproxy.config.Variable.MAX_CONNECTIONS;
import static dev.redisproxy.config.Variable.MAX_PARALLEL;
import static dev.redisproxy.config.Variable.PROXY_PORT;
import static dev.redisproxy.config.Variable.REDIS_TIMEOUT;
import static dev.redisproxy.config.Variable.RESP_PORT;

import dev.redisproxy.security.SecurityConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link ProxyConfig} from three layers: the defaults ({@link Variable}), then the JSON
 * config file, then environment variables. File keys are the environment variable names, so one
 * name means one thing everywhere. Every value is parsed once, by {@link Settings}; the first bad
 * one throws a {@link ConfigException} naming it.
 */
public final class ConfigLoader {

  /**
   * Default {@code CACHE_MAXMEMORY}: a quarter of the maximum heap. The rest holds what the budget
   * does not count: values being read from Redis (up to two copies each) and written to clients,
   * connection buffers, and the free regions a collector needs to copy live objects into. Measured:
   * with half the heap, 8 concurrent reads of distinct 4 MiB values in a 192 MiB heap (SmallHeapIT)
   * could run it out of memory.
   */
  static final int DEFAULT_MEMORY_PERCENT = 25;
  /** Above this share of the heap a budget is legal but risky, for the reasons above: one warning. */
  static final int RISKY_MEMORY_PERCENT = 75;
  /**
   * The smallest {@code CACHE_MAXMEMORY}: below it every entry would be too large to cache, as the
   * cache takes an entry of at most 1/8 of the budget and each weighs 144 bytes beyond its key and
   * value ({@code LruTtlCache.MAX_ENTRY_SHARE} and {@code ENTRY_OVERHEAD}; a test holds them equal).
   */
  public static final long MIN_CACHE_MAXMEMORY = 8 * 144;

  private static final int MAX_PARALLEL_LIMIT = 1024;

  private ConfigLoader() {
  }

  /** Loads from an optional config file (null: none) and the given environment. */
  public static ProxyConfig load(Path file, Map<String, String> env) {
    return load(file, env, Runtime.getRuntime().maxMemory());
  }

  /** As {@link #load(Path, Map)} for a JVM whose maximum heap is {@code maxHeap} bytes. */
  static ProxyConfig load(Path file, Map<String, String> env, long maxHeap) {
    Map<Variable, String> values = new EnumMap<>(Variable.class);
    for (Variable v : Variable.values()) {
      values.put(v, v.defaultValue);
    }
    if (file != null) {
      values.putAll(readFile(file));
    }
    for (Variable v : Variable.values()) {
      String text = env.get(v.name());
      if (text != null) {
        values.put(v, text);
      }
    }
    return build(new Settings(values), maxHeap);
  }

  /**
   * The log format the environment asks for, read before the configuration is (logback configures
   * itself on first use, and reading the file may log); text when unset or not valid, which the
   * full load then reports.
   */
  public static LogFormat earlyLogFormat(Map<String, String> env) {
    Map<Variable, String> values = new EnumMap<>(Variable.class);
    values.put(LOG_FORMAT, env.getOrDefault(LOG_FORMAT.name(), LOG_FORMAT.defaultValue));
    try {
      return new Settings(values).choice(LOG_FORMAT, LogFormat.values());
    } catch (ConfigException e) {
      return LogFormat.TEXT;
    }
  }

  /**
   * Reads the arguments of {@code main}: {@code [-conf FILE]}. Without {@code -conf},
   * {@code conf/config.json} is read if it exists in the working directory.
   */
  public static ProxyConfig fromArgs(String[] args, Map<String, String> env) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("-conf") || args[i].equals("--conf")) {
        if (i + 1 >= args.length) {
          throw new ConfigException("-conf", "needs a file name");
        }
        file = Path.of(args[++i]);
        if (!Files.isRegularFile(file)) {
          throw new ConfigException("-conf", "no such file: " + file);
        }
      } else {
        throw new ConfigException(args[i], "unknown argument (usage: java -jar redis-proxy.jar [-conf FILE])");
      }
    }
    if (file == null && Files.isRegularFile(Path.of("conf", "config.json"))) {
      file = Path.of("conf", "config.json");
    }
    return load(file, env);
  }

  private static Map<Variable, String> readFile(Path file) {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    } catch (DecodeException e) {
      throw new ConfigException("config file " + file + " is not a JSON object: " + e.getMessage(), e);
    }
    Map<Variable, String> out = new EnumMap<>(Variable.class);
    for (Map.Entry<String, Object> e : json) {
      Variable v = known(e.getKey());
      if (v == null) {
        throw new ConfigException(e.getKey(), "unknown setting in " + file + " (known: " + List.of(Variable.values()) + ")");
      }
      out.put(v, e.getValue() == null ? "" : e.getValue().toString());
    }
    return out;
  }

  private static Variable known(String name) {
    for (Variable v : Variable.values()) {
      if (v.name().equals(name)) {
        return v;
      }
    }
    return null;
  }

  private static ProxyConfig build(Settings s, long maxHeap) {
    List<String> warnings = new ArrayList<>();
    int proxyPort = s.port(PROXY_PORT, false);
    int respPort = s.port(RESP_PORT, true);
    if (respPort == proxyPort) {
      // Both would bind it (the native transport reuses ports) and share its connections at random.
      throw new ConfigException("RESP_PORT", respPort + " is PROXY_PORT's too: the HTTP and RESP front ends need a port each");
    }
    Duration ttl = s.positiveDuration(CACHE_TTL);
    int maxSize = s.number(CACHE_MAXSIZE, 0, ProxyConfig.MAX_CACHE_KEYS);
    long maxMemory = cacheMaxMemory(s, maxHeap, warnings);
    Duration negativeTtl = s.duration(CACHE_NEGATIVE_TTL);
    if (negativeTtl.compareTo(ttl) > 0) {
      throw new ConfigException("CACHE_NEGATIVE_TTL", Durations.format(negativeTtl) + " is longer than CACHE_TTL ("
          + Durations.format(ttl) + "): a missing key would be remembered longer than a present one");
    }
    Duration staleIfError = s.duration(CACHE_STALE_IF_ERROR);
    boolean hotKeys = s.bool(HOTKEYS);
    int maxParallel = s.number(MAX_PARALLEL, 1, MAX_PARALLEL_LIMIT);
    int maxConnections = s.number(MAX_CONNECTIONS, 1, Integer.MAX_VALUE);
    Duration redisTimeout = s.positiveDuration(REDIS_TIMEOUT);
    Duration idleTimeout = s.positiveDuration(CLIENT_IDLE_TIMEOUT);
    boolean accessLog = s.bool(ACCESS_LOG);
    LogFormat logFormat = s.choice(LOG_FORMAT, LogFormat.values());
    RedisBackend backend = RedisBackend.from(s);
    SecurityConfig security = SecuritySettings.read(s);
    CacheInvalidation invalidation = s.choice(CACHE_INVALIDATION, CacheInvalidation.values());
    List<String> prefixes = CacheInvalidation.trackingPrefixes(s, invalidation);
    invalidation.check(maxSize);
    if (security.authRequired() && !security.tls()) {
      warnings.add("PROXY_PASSWORD is set but TLS is off: passwords and values cross the network in clear text"
          + " (set PROXY_TLS_CERT and PROXY_TLS_KEY)");
    }
    return new ProxyConfig(proxyPort, respPort, ttl, maxSize, maxMemory, negativeTtl, staleIfError, invalidation,
        prefixes, hotKeys, maxParallel, maxConnections, redisTimeout, idleTimeout, accessLog, logFormat, backend,
        security, warnings);
  }

  /**
   * {@code CACHE_MAXMEMORY}, or when unset {@link #DEFAULT_MEMORY_PERCENT} of the heap (whole MiB).
   * Zero is refused rather than read as "off": {@code CACHE_MAXSIZE=0} is the one switch for that.
   */
  private static long cacheMaxMemory(Settings s, long maxHeap, List<String> warnings) {
    if (!s.isSet(CACHE_MAXMEMORY)) {
      long share = (long) (maxHeap * (DEFAULT_MEMORY_PERCENT / 100.0));
      return share >= 1 << 20 ? share & -(1L << 20) : share;
    }
    long bytes = s.size(CACHE_MAXMEMORY);
    String heap = "the JVM's maximum heap (" + Sizes.format(maxHeap) + ")";
    if (bytes == 0) {
      throw new ConfigException("CACHE_MAXMEMORY", "0 is not a budget (to turn caching off, set CACHE_MAXSIZE=0)");
    }
    if (bytes < MIN_CACHE_MAXMEMORY) {
      throw new ConfigException("CACHE_MAXMEMORY", Sizes.format(bytes) + " is below " + MIN_CACHE_MAXMEMORY
          + " bytes, too little to cache any entry (each weighs its key, its value and 144 bytes)");
    }
    if (bytes >= maxHeap) {
      throw new ConfigException("CACHE_MAXMEMORY", Sizes.format(bytes) + " is not less than " + heap
          + ": lower it, or raise the heap with -Xmx (JAVA_TOOL_OPTIONS)");
    }
    long percent = (long) (100.0 * bytes / maxHeap);
    if (percent > RISKY_MEMORY_PERCENT) {
      warnings.add("CACHE_MAXMEMORY " + Sizes.format(bytes) + " is " + percent + "% of " + heap + "; above "
          + RISKY_MEMORY_PERCENT + "% reads in flight and garbage collection may run out of heap: lower it, or raise -Xmx");
    }
    return bytes;
  }
}
