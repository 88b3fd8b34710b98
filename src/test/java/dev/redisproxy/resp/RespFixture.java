package dev.redisproxy.resp;

import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.redis.VertxRedisReader;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server process and the whole proxy (cache verticle, HTTP and RESP front ends)
 * deployed in-process in front of it, each on a free port. Two front-end instances, so that
 * connections land on different event loops.
 */
final class RespFixture implements AutoCloseable {

  final RedisProcess redis;
  final Vertx vertx;
  final ProxyVerticle proxy;
  final ProxyConfig config;

  private RespFixture(RedisProcess redis, Vertx vertx, ProxyVerticle proxy, ProxyConfig config) {
    this.redis = redis;
    this.vertx = vertx;
    this.proxy = proxy;
    this.config = config;
  }

  /** Starts Redis and the proxy; {@code settings} override the test defaults (env variable names). */
  static RespFixture start(Map<String, String> settings) throws IOException {
    RedisProcess redis = RedisProcess.start();
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_HOST", "127.0.0.1");
    env.put("REDIS_PORT", Integer.toString(redis.port()));
    env.put("PROXY_PORT", Integer.toString(RedisProcess.freePort()));
    env.put("RESP_PORT", Integer.toString(RedisProcess.freePort()));
    env.put("MAX_PARALLEL", "2");
    env.putAll(settings);
    ProxyConfig config = ConfigLoader.load(null, env);
    // A low limit so that blocking an event loop shows up in the test log.
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    ProxyVerticle proxy = new ProxyVerticle(config, v -> VertxRedisReader.create(v, config), Ticker.system());
    try {
      vertx.deployVerticle(proxy).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      closeQuietly(redis);
      throw new IOException("proxy did not start", e);
    }
    return new RespFixture(redis, vertx, proxy, config);
  }

  static RespFixture start() throws IOException {
    return start(Map.of());
  }

  int respPort() {
    return config.respPort();
  }

  int httpPort() {
    return config.proxyPort();
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.drain().await(30, TimeUnit.SECONDS);
      vertx.close().await(30, TimeUnit.SECONDS);
    } finally {
      redis.close();
    }
  }

  private static void closeQuietly(RedisProcess redis) {
    try {
      redis.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
