package dev.redisproxy.resp;

import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Vertx;
import java.util.Map;

/**
 * A real redis-server process and the whole proxy (cache verticle, HTTP and RESP front ends)
 * deployed in-process in front of it, each on a free port: a {@link ProxyFixture} with RESP on,
 * under the names the RESP tests use. Two front-end instances, so that connections land on
 * different event loops; {@link #close} fails the test if an event loop was blocked.
 */
final class RespFixture implements AutoCloseable {

  private final ProxyFixture fixture;
  final RedisProcess redis;
  final Vertx vertx;
  final ProxyVerticle proxy;
  final ProxyConfig config;

  private RespFixture(ProxyFixture fixture) {
    this.fixture = fixture;
    this.redis = fixture.redis();
    this.vertx = fixture.vertx();
    this.proxy = fixture.proxy();
    this.config = fixture.config();
  }

  /** Starts Redis and the proxy; {@code settings} override the test defaults (env variable names). */
  static RespFixture start(Map<String, String> settings) throws Exception {
    return new RespFixture(ProxyFixture.withRedis().withResp().with(settings).start());
  }

  static RespFixture start() throws Exception {
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
    fixture.close();
  }
}
