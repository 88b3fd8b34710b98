package dev.redisproxy.redis;

import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.config.RedisBackend;
import dev.redisproxy.config.RedisTls;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;

/**
 * Turns the checked {@link RedisBackend} into vertx-redis-client options. Routing, failover and
 * redirections are the client's own: Sentinel mode asks the sentinels for the master (the topology
 * is cached for {@link #TOPOLOGY_TTL_MS}, so a promoted replica is found without a restart), Cluster
 * mode follows MOVED/ASK and refreshes its slot map as often.
 */
final class RedisClientOptions {

  /**
   * Commands pipelined on one connection before their replies ({@code maxWaitingHandlers}): reads
   * share a few held connections ({@link PipelinedRedis}), and {@link InFlightLimit} keeps the reads
   * under way within this many per connection.
   */
  static final int PIPELINE_DEPTH = 2048;
  /** How long the sentinel topology and the cluster slot map are trusted before being asked again. */
  static final long TOPOLOGY_TTL_MS = 1000;

  /** The pool's label in Vert.x's pool metrics ({@code vertx_pool_*}), instead of a random id. */
  static final String POOL_NAME = "redis-proxy";

  private RedisClientOptions() {
  }

  static RedisOptions of(ProxyConfig config) {
    RedisBackend backend = config.backend();
    RedisOptions options = new RedisOptions()
        .setType(switch (backend.mode()) {
          case STANDALONE -> RedisClientType.STANDALONE;
          case SENTINEL -> RedisClientType.SENTINEL;
          case CLUSTER -> RedisClientType.CLUSTER;
        })
        .setEndpoints(backend.endpoints())
        .setMaxPoolSize(backend.poolSize())
        .setMaxPoolWaiting(backend.poolWaiting())
        .setPoolName(POOL_NAME)
        .setMaxWaitingHandlers(PIPELINE_DEPTH)
        .setTopologyCacheTTL(TOPOLOGY_TTL_MS)
        .setHashSlotCacheTTL(TOPOLOGY_TTL_MS)
        .setNetClientOptions(netClientOptions(config));
    if (backend.mode() == RedisBackend.Mode.SENTINEL) {
      // Reads go to the master: a replica may lag, and the cache would keep its stale value for CACHE_TTL.
      options.setMasterName(backend.masterName()).setRole(RedisRole.MASTER);
    } else if (backend.mode() == RedisBackend.Mode.CLUSTER) {
      options.setUseReplicas(RedisReplicas.NEVER);
    }
    if (backend.password() != null) {
      options.setPassword(backend.password());
      if (backend.user() != null) {
        options.setUser(backend.user());
      }
    }
    return options;
  }

  /** Connection, keep-alive and TLS settings, also for the tracking connection ({@link TrackingRedisReader}). */
  static NetClientOptions netClientOptions(ProxyConfig config) {
    int connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, config.redisTimeout().toMillis());
    NetClientOptions net = new NetClientOptions()
        .setConnectTimeout(Math.max(1, connectTimeoutMs))
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true);
    RedisTls tls = config.backend().tls();
    if (tls == null) {
      return net;
    }
    // Vert.x 5 refuses TLS without an explicit choice: "HTTPS" checks the name, "" does not.
    net.setSsl(true).setHostnameVerificationAlgorithm(tls.verifyHostname() ? "HTTPS" : "");
    if (tls.ca() != null) {
      net.setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()));
    }
    if (tls.cert() != null) {
      net.setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(tls.cert().toString())
          .setKeyPath(tls.key().toString()));
    }
    return net;
  }
}
