package dev.redisproxy.config;

/**
 * Every variable the proxy reads, with its default and its kind. The kind decides which one
 * method of {@link Settings} parses it, so every variable of a kind takes the same syntax. The
 * names are the environment variables' and the config file's keys.
 */
enum Variable {
  REDIS_HOST("localhost", Kind.TEXT),
  REDIS_PORT("6379", Kind.PORT),
  REDIS_URL("", Kind.TEXT),
  PROXY_PORT("8080", Kind.PORT),
  RESP_PORT("6380", Kind.PORT),
  CACHE_TTL("3600", Kind.DURATION),
  CACHE_MAXSIZE("1024", Kind.NUMBER),
  // Empty: a share of the JVM's maximum heap, computed at start-up (see ConfigLoader).
  CACHE_MAXMEMORY("", Kind.SIZE),
  CACHE_NEGATIVE_TTL("0", Kind.DURATION),
  CACHE_STALE_IF_ERROR("0", Kind.DURATION),
  CACHE_INVALIDATION("none", Kind.TEXT),
  CACHE_TRACKING_PREFIXES("", Kind.TEXT),
  HOTKEYS("true", Kind.BOOLEAN),
  MAX_PARALLEL("1", Kind.NUMBER),
  MAX_CONNECTIONS("2048", Kind.NUMBER),
  REDIS_TIMEOUT("1s", Kind.DURATION),
  CLIENT_IDLE_TIMEOUT("60s", Kind.DURATION),
  ACCESS_LOG("false", Kind.BOOLEAN),
  LOG_FORMAT("text", Kind.TEXT),
  // Redis deployment, credentials, TLS and pool: see RedisBackend and RedisTls.
  REDIS_SENTINELS("", Kind.TEXT),
  REDIS_MASTER_NAME("", Kind.TEXT),
  REDIS_CLUSTER_NODES("", Kind.TEXT),
  REDIS_USER("", Kind.TEXT),
  REDIS_PASSWORD("", Kind.TEXT),
  REDIS_TLS("false", Kind.BOOLEAN),
  REDIS_TLS_CA("", Kind.FILE),
  REDIS_TLS_CERT("", Kind.FILE),
  REDIS_TLS_KEY("", Kind.FILE),
  REDIS_TLS_VERIFY_HOSTNAME("true", Kind.BOOLEAN),
  // Empty: the deployment's default (RedisBackend.Mode).
  REDIS_POOL_SIZE("", Kind.NUMBER),
  REDIS_POOL_WAITING("4096", Kind.NUMBER),
  // Client authentication, TLS and the key allow-list, all off when empty: see SecuritySettings.
  PROXY_PASSWORD("", Kind.TEXT),
  PROXY_PASSWORD_FILE("", Kind.FILE),
  PROXY_TLS_CERT("", Kind.FILE),
  PROXY_TLS_KEY("", Kind.FILE),
  PROXY_TLS_CLIENT_CA("", Kind.FILE),
  KEY_PATTERNS("", Kind.TEXT);

  /** The syntax families; each has one parsing method in {@link Settings}. */
  enum Kind { BOOLEAN, DURATION, SIZE, PORT, NUMBER, FILE, TEXT }

  final String defaultValue;
  final Kind kind;

  Variable(String defaultValue, Kind kind) {
    this.defaultValue = defaultValue;
    this.kind = kind;
  }
}
