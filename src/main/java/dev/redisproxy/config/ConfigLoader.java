package dev.redisproxy.config;

import dev.redisproxy.cache.LruTtlCache;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the {@link ProxyConfig} from three layers: the defaults here, then the JSON config file,
 * then environment variables. File keys are the environment variable names, so one name means
 * one thing everywhere. Every value is checked; the first bad one throws a
 * {@link ConfigException} naming it.
 */
public final class ConfigLoader {

  /** The defaults, and the set of names a config file may use. */
  static final Map<String, String> DEFAULTS = defaults();

  private static final int MAX_PARALLEL_LIMIT = 1024;

  private ConfigLoader() {
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("REDIS_HOST", "localhost");
    d.put("REDIS_PORT", "6379");
    d.put("REDIS_URL", "");
    d.put("PROXY_PORT", "8080");
    d.put("RESP_PORT", "6380");
    d.put("CACHE_TTL", "3600");
    d.put("CACHE_MAXSIZE", "1024");
    d.put("MAX_PARALLEL", "1");
    d.put("MAX_CONNECTIONS", "2048");
    d.put("REDIS_TIMEOUT", "1s");
    d.put("CLIENT_IDLE_TIMEOUT", "60s");
    d.put("ACCESS_LOG", "false");
    d.put("LOG_FORMAT", "text");
    // Redis deployment, credentials, TLS and pool: see RedisBackend and RedisTls.
    d.put("REDIS_SENTINELS", "");
    d.put("REDIS_MASTER_NAME", "");
    d.put("REDIS_CLUSTER_NODES", "");
    d.put("REDIS_USER", "");
    d.put("REDIS_PASSWORD", "");
    d.put("REDIS_TLS", "false");
    d.put("REDIS_TLS_CA", "");
    d.put("REDIS_TLS_CERT", "");
    d.put("REDIS_TLS_KEY", "");
    d.put("REDIS_TLS_VERIFY_HOSTNAME", "true");
    d.put("REDIS_POOL_SIZE", "");
    d.put("REDIS_POOL_WAITING", "4096");
    // Client authentication, TLS and the key allow-list, all off when empty: see SecurityConfig.
    d.put("PROXY_PASSWORD", "");
    d.put("PROXY_PASSWORD_FILE", "");
    d.put("PROXY_TLS_CERT", "");
    d.put("PROXY_TLS_KEY", "");
    d.put("PROXY_TLS_CLIENT_CA", "");
    d.put("KEY_PATTERNS", "");
    d.put("CACHE_INVALIDATION", "none");
    return Map.copyOf(d);
  }

  /** Loads from an optional config file (null: none) and the given environment. */
  public static ProxyConfig load(Path file, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    if (file != null) {
      values.putAll(readFile(file));
    }
    for (String name : DEFAULTS.keySet()) {
      String v = env.get(name);
      if (v != null) {
        values.put(name, v);
      }
    }
    return build(values);
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

  private static Map<String, String> readFile(Path file) {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    } catch (DecodeException e) {
      throw new ConfigException("config file " + file + " is not a JSON object: " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json) {
      if (!DEFAULTS.containsKey(e.getKey())) {
        throw new ConfigException(e.getKey(), "unknown setting in " + file + " (known: " + DEFAULTS.keySet() + ")");
      }
      out.put(e.getKey(), e.getValue() == null ? "" : e.getValue().toString());
    }
    return out;
  }

  private static ProxyConfig build(Map<String, String> v) {
    String url = v.get("REDIS_URL").trim();
    return new ProxyConfig(
        host(v, "REDIS_HOST"),
        port(v, "REDIS_PORT", 1),
        url.isEmpty() ? null : redisUrl(url),
        port(v, "PROXY_PORT", 1),
        port(v, "RESP_PORT", 0),
        positiveDuration(v, "CACHE_TTL"),
        integer(v, "CACHE_MAXSIZE", 0, LruTtlCache.MAX_CAPACITY),
        integer(v, "MAX_PARALLEL", 1, MAX_PARALLEL_LIMIT),
        integer(v, "MAX_CONNECTIONS", 1, Integer.MAX_VALUE),
        positiveDuration(v, "REDIS_TIMEOUT"),
        positiveDuration(v, "CLIENT_IDLE_TIMEOUT"),
        bool(v, "ACCESS_LOG"),
        logFormat(v, "LOG_FORMAT"),
        RedisBackend.from(v),
        SecurityConfig.from(v),
        CacheInvalidation.from(v));
  }

  private static boolean bool(Map<String, String> v, String name) {
    String text = v.get(name).trim();
    if (text.equalsIgnoreCase("true")) {
      return true;
    }
    if (text.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(name, "'" + text + "' is not true or false");
  }

  private static LogFormat logFormat(Map<String, String> v, String name) {
    String text = v.get(name).trim();
    for (LogFormat f : LogFormat.values()) {
      if (f.id().equalsIgnoreCase(text)) {
        return f;
      }
    }
    throw new ConfigException(name, "'" + text + "' is not a log format (use text or json)");
  }

  private static String host(Map<String, String> v, String name) {
    String host = v.get(name).trim();
    if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException(name, "'" + v.get(name) + "' is not a host name");
    }
    return host;
  }

  private static int port(Map<String, String> v, String name, int min) {
    return integer(v, name, min, 65535);
  }

  static int integer(Map<String, String> v, String name, int min, int max) {
    String text = v.get(name).trim();
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "'" + text + "' is not a whole number");
    }
    if (value < min || value > max) {
      throw new ConfigException(name, value + " is out of range (" + min + ".." + max + ")");
    }
    return (int) value;
  }

  private static Duration positiveDuration(Map<String, String> v, String name) {
    Duration d = parse(name, v.get(name), Durations::parse);
    if (d.isZero()) {
      throw new ConfigException(name, "must be greater than zero");
    }
    return d;
  }

  private static String redisUrl(String url) {
    URI uri = parse("REDIS_URL", url, URI::new);
    String scheme = uri.getScheme();
    if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
      throw new ConfigException("REDIS_URL", "must start with redis:// or rediss:// (got '" + scheme + "')");
    }
    if (uri.getHost() == null) {
      throw new ConfigException("REDIS_URL", "has no host (expected redis://[user:pass@]host:port[/db])");
    }
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.matches("/\\d{0,5}")) {
      throw new ConfigException("REDIS_URL", "database must be a number (got '" + path.substring(1) + "')");
    }
    return url;
  }

  private static <T> T parse(String name, String text, ThrowingParser<T> parser) {
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException | URISyntaxException e) {
      String msg = e instanceof URISyntaxException ? "'" + text + "' is not a URL" : e.getMessage();
      throw new ConfigException(name, msg);
    }
  }

  @FunctionalInterface
  private interface ThrowingParser<T> {
    T apply(String text) throws URISyntaxException;
  }
}
