package dev.redisproxy.redis;

import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.config.CacheInvalidation;
import dev.redisproxy.config.ProxyConfig;
import io.vertx.core.Vertx;

/** The {@link RedisReader} the configuration asks for. */
public final class RedisReaders {

  private RedisReaders() {
  }

  /**
   * Pooled reads ({@link VertxRedisReader}); with {@code CACHE_INVALIDATION=tracking} or {@code broadcast},
   * over a tracking connection first.
   */
  public static RedisReader create(Vertx vertx, ProxyConfig config) {
    return config.cacheInvalidation() != CacheInvalidation.NONE
        ? TrackingRedisReader.create(vertx, config)
        : VertxRedisReader.create(vertx, config);
  }
}
