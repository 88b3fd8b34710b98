package dev.redisproxy.config;

import static dev.redisproxy.config.Variable.REDIS_CLUSTER_NODES;
import static dev.redisproxy.config.Variable.REDIS_HOST;
import static dev.redisproxy.config.Variable.REDIS_MASTER_NAME;
import static dev.redisproxy.config.Variable.REDIS_PASSWORD;
import static dev.redisproxy.config.Variable.REDIS_POOL_SIZE;
import static dev.redisproxy.config.Variable.REDIS_POOL_WAITING;
import static dev.redisproxy.config.Variable.REDIS_PORT;
import static dev.redisproxy.config.Variable.REDIS_SENTINELS;
import static dev.redisproxy.config.Variable.REDIS_TLS;
import static dev.redisproxy.config.Variable.REDIS_URL;
import static dev.redisproxy.config.Variable.REDIS_USER;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which Redis deployment the proxy reads, and how it connects: one server, a master found
 * through Sentinel, or a Cluster; credentials, TLS and pool bounds. Built and checked by
 * {@link #from}; holds no Vert.x types, the redis package turns it into client options.
 *
 * @param mode        how the endpoints are used
 * @param endpoints   connection strings: the one server (its URL may carry credentials and a
 *                    database), the sentinels, or the cluster's seed nodes ({@code redis[s]://host:port})
 * @param masterName  the master set the sentinels watch; null unless {@link Mode#SENTINEL}
 * @param user        ACL user from {@code REDIS_USER}; null for the {@code default} user
 * @param password    from {@code REDIS_PASSWORD}; null when unset (a URL may still carry one)
 * @param tls         TLS settings, null when connections are plain TCP
 * @param poolSize    connections per Redis node in vertx-redis-client's pool; reads are pipelined
 *                    over all of them (Cluster: all but one, kept free for the slot map's refresh)
 * @param poolWaiting reads queued when those connections' pipelines are full, before new ones fail fast
 */
public record RedisBackend(
    Mode mode,
    List<String> endpoints,
    String masterName,
    String user,
    String password,
    RedisTls tls,
    int poolSize,
    int poolWaiting) {

  /**
   * The kinds of deployment, each with the pool size that suits it. Reads are pipelined, so a few
   * connections carry any load; fewer connections mean more reads per round trip (less work for the
   * proxy and Redis per read), more mean that one slow reply (a very large value) delays fewer reads.
   */
  public enum Mode {
    STANDALONE(2),
    SENTINEL(2),
    // Two connections per node carry reads; the third stays free for refreshing the slot map.
    CLUSTER(3);

    /** Default {@code REDIS_POOL_SIZE}: connections per Redis node. */
    public final int defaultPoolSize;

    Mode(int defaultPoolSize) {
      this.defaultPoolSize = defaultPoolSize;
    }
  }

  static final int MAX_POOL_SIZE = 1024;
  static final int MAX_POOL_WAITING = 1_000_000;

  public RedisBackend {
    endpoints = List.copyOf(endpoints);
  }

  /** The deployment without secrets, for logs: {@code redis://host:6379/0}, {@code cluster a:7000,b:7001}, ... */
  public String address() {
    return switch (mode) {
      case STANDALONE -> {
        URI uri = URI.create(endpoints.get(0));
        String path = uri.getPath() == null ? "" : uri.getPath();
        yield uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() == -1 ? 6379 : uri.getPort()) + path;
      }
      case SENTINEL -> "master '" + masterName + "' of sentinels " + hostPorts() + (tls != null ? " over TLS" : "");
      case CLUSTER -> "cluster " + hostPorts() + (tls != null ? " over TLS" : "");
    };
  }

  private String hostPorts() {
    List<String> out = new ArrayList<>();
    for (String e : endpoints) {
      out.add(e.substring(e.indexOf("://") + 3));
    }
    return String.join(",", out);
  }

  /** Never shows the password, unlike the generated record {@code toString}. */
  @Override
  public String toString() {
    return address() + (user != null ? " as " + user : "") + ", pool " + poolSize + "/" + poolWaiting;
  }

  /** Reads the REDIS_* variables and checks how they combine. */
  static RedisBackend from(Settings s) {
    String host = host(s.text(REDIS_HOST));
    int port = s.port(REDIS_PORT, false);
    String url = s.text(REDIS_URL);
    if (!url.isEmpty()) {
      checkUrl(url);
    }
    List<String> sentinels = hostPorts(s, REDIS_SENTINELS);
    List<String> nodes = hostPorts(s, REDIS_CLUSTER_NODES);
    Mode mode = sentinels.isEmpty() ? (nodes.isEmpty() ? Mode.STANDALONE : Mode.CLUSTER) : Mode.SENTINEL;
    String masterName = checkMode(mode, s.text(REDIS_MASTER_NAME), url, !nodes.isEmpty());
    boolean urlTls = url.startsWith("rediss://");
    boolean tls = s.bool(REDIS_TLS) || urlTls;
    if (!url.isEmpty() && tls && !urlTls) {
      throw new ConfigException("REDIS_TLS", "is true but REDIS_URL starts with redis:// (use rediss://)");
    }
    String user = s.secret(REDIS_USER);
    String password = s.secret(REDIS_PASSWORD);
    checkCredentials(url, user, password);
    String scheme = tls ? "rediss://" : "redis://";
    List<String> endpoints = switch (mode) {
      case STANDALONE -> List.of(url.isEmpty() ? scheme + host + ":" + port : url);
      case SENTINEL -> sentinels.stream().map(hp -> scheme + hp).toList();
      case CLUSTER -> nodes.stream().map(hp -> scheme + hp).toList();
    };
    int poolSize = s.isSet(REDIS_POOL_SIZE) ? s.number(REDIS_POOL_SIZE, 1, MAX_POOL_SIZE) : mode.defaultPoolSize;
    if (mode == Mode.CLUSTER && poolSize < 2) {
      throw new ConfigException("REDIS_POOL_SIZE", "must be at least 2 with REDIS_CLUSTER_NODES"
          + " (one connection per node stays free for refreshing the slot map)");
    }
    int poolWaiting = s.number(REDIS_POOL_WAITING, 1, MAX_POOL_WAITING);
    if (poolWaiting < poolSize) {
      throw new ConfigException("REDIS_POOL_WAITING", poolWaiting + " is less than REDIS_POOL_SIZE (" + poolSize + ")");
    }
    return new RedisBackend(mode, endpoints, masterName, user, password, RedisTls.from(s, tls), poolSize, poolWaiting);
  }

  /** The master name, null unless Sentinel; refuses settings that the mode does not take. */
  private static String checkMode(Mode mode, String masterName, String url, boolean clusterNodes) {
    if (mode == Mode.SENTINEL && clusterNodes) {
      throw new ConfigException("REDIS_CLUSTER_NODES", "cannot be combined with REDIS_SENTINELS: set one of them");
    }
    String modeVariable = mode == Mode.SENTINEL ? "REDIS_SENTINELS" : "REDIS_CLUSTER_NODES";
    if (mode != Mode.STANDALONE && !url.isEmpty()) {
      throw new ConfigException("REDIS_URL", "cannot be combined with " + modeVariable
          + " (give credentials with REDIS_USER/REDIS_PASSWORD and TLS with REDIS_TLS)");
    }
    if (mode == Mode.SENTINEL && masterName.isEmpty()) {
      throw new ConfigException("REDIS_MASTER_NAME", "is required with REDIS_SENTINELS"
          + " (the name in the sentinels' 'sentinel monitor' line)");
    }
    if (mode != Mode.SENTINEL && !masterName.isEmpty()) {
      throw new ConfigException("REDIS_MASTER_NAME", "is only used with REDIS_SENTINELS, which is not set");
    }
    if (masterName.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException("REDIS_MASTER_NAME", "'" + masterName + "' contains whitespace");
    }
    return mode == Mode.SENTINEL ? masterName : null;
  }

  private static String host(String host) {
    if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException("REDIS_HOST", "'" + host + "' is not a host name");
    }
    return host;
  }

  private static void checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigException("REDIS_URL", "'" + url + "' is not a URL");
    }
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
  }

  private static void checkCredentials(String url, String user, String password) {
    if (user != null && password == null) {
      throw new ConfigException("REDIS_USER", "needs REDIS_PASSWORD");
    }
    if (password != null && !url.isEmpty() && URI.create(url).getRawUserInfo() != null) {
      throw new ConfigException("REDIS_PASSWORD", "cannot be combined with credentials in REDIS_URL: use one or the other");
    }
  }

  /** A comma-separated list of {@code host:port} ({@code [v6addr]:port} for IPv6); empty when unset. */
  private static List<String> hostPorts(Settings s, Variable v) {
    List<String> out = new ArrayList<>();
    String text = s.text(v);
    if (text.isEmpty()) {
      return out;
    }
    for (String raw : text.split(",", -1)) {
      String entry = raw.trim();
      int colon = entry.lastIndexOf(':');
      String host = colon < 0 ? "" : entry.substring(0, colon);
      boolean hostOk = !host.isEmpty() && host.chars().noneMatch(c -> Character.isWhitespace(c) || c == '/' || c == '@')
          && (host.startsWith("[") == host.endsWith("]")) && (host.startsWith("[") || !host.contains(":"));
      if (!hostOk || !entry.substring(colon + 1).matches("\\d{1,5}")) {
        throw new ConfigException(v.name(), "'" + entry + "' is not host:port (expected a comma-separated list such as"
            + " 10.0.0.1:" + (v == REDIS_SENTINELS ? "26379" : "6379") + ",10.0.0.2:...)");
      }
      int port = Integer.parseInt(entry.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new ConfigException(v.name(), "'" + entry + "' has a port out of range (1..65535)");
      }
      out.add(entry);
    }
    return out;
  }
}
