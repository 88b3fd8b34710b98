package dev.redisproxy.redis;

import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.config.CacheInvalidation;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.config.RedisBackend;
import io.vertx.core.Vertx;

/** The {@link RedisReader} the configuration asks for. */
public final class RedisReaders {

  private RedisReaders() {
  }

  /**
   * Pooled reads ({@link VertxRedisReader}); with {@code CACHE_INVALIDATION=tracking} or {@code broadcast},
   * over a tracking connection first (one server, or Sentinel's master); with a Cluster, over one per
   * master ({@link ClusterTrackingReader}).
   */
  public static RedisReader create(Vertx vertx, ProxyConfig config) {
    if (config.cacheInvalidation() != CacheInvalidation.NONE && config.backend().mode() == RedisBackend.Mode.CLUSTER) {
      return ClusterTrackingReader.create(vertx, config);
    }
    return config.cacheInvalidation() != CacheInvalidation.NONE
        ? TrackingRedisReader.create(vertx, config)
        : VertxRedisReader.create(vertx, config);
  }
}
