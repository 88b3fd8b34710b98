package dev.redisproxy.security;

import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.redis.VertxRedisReader;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RedisProcess;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server and the whole proxy in-process in front of it (HTTP and RESP, two instances
 * of each front end), configured with the security settings under test, plus the small tools the
 * tests share: the proxy's metrics and running the Redis command-line tools.
 */
final class SecuredProxy implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  /** A guard against a hung tool, not a timing assertion. */
  private static final long PROCESS_TIMEOUT_S = 60;

  final RedisProcess redis;
  final ProxyConfig config;
  private final Vertx vertx;
  private final ProxyVerticle proxy;
  private final PrometheusMeterRegistry registry;

  private SecuredProxy(RedisProcess redis, ProxyConfig config, Vertx vertx, ProxyVerticle proxy,
      PrometheusMeterRegistry registry) {
    this.redis = redis;
    this.config = config;
    this.vertx = vertx;
    this.proxy = proxy;
    this.registry = registry;
  }

  /** Starts Redis and the proxy; {@code settings} are environment variables over the test defaults. */
  static SecuredProxy start(Map<String, String> settings) throws IOException {
    RedisProcess redis = RedisProcess.start();
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_URL", redis.url());
    env.put("PROXY_PORT", Integer.toString(RedisProcess.freePort()));
    env.put("RESP_PORT", Integer.toString(RedisProcess.freePort()));
    env.put("MAX_PARALLEL", "2");
    env.putAll(settings);
    ProxyConfig config = ConfigLoader.load(null, env);
    PrometheusMeterRegistry registry = ProxyMetrics.newRegistry();
    // A low limit so that blocking an event loop shows up in the test log.
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    ProxyVerticle proxy = new ProxyVerticle(config, v -> VertxRedisReader.create(v, config), Ticker.system(), registry);
    try {
      vertx.deployVerticle(proxy).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      try {
        redis.close();
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("proxy did not start", e);
    }
    return new SecuredProxy(redis, config, vertx, proxy, registry);
  }

  int httpPort() {
    return config.proxyPort();
  }

  int respPort() {
    return config.respPort();
  }

  /** The proxy's metrics now, as Prometheus would scrape them. */
  PrometheusText metrics() {
    return PrometheusText.parse(registry.scrape());
  }

  record Result(int exit, String out) {
  }

  /** Runs a command-line tool with no input; stdout and stderr together. */
  static Result run(String... command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("secured-proxy-", ".out");
    try {
      Process p = new ProcessBuilder(new ArrayList<>(List.of(command)))
          .redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      if (!p.waitFor(PROCESS_TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
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
}
