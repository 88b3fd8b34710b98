package dev.redisproxy;

import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigException;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.redis.VertxRedisReader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code java -jar redis-proxy.jar [-conf FILE]}: reads and checks the
 * configuration, starts Vert.x and the proxy, and drains it on SIGTERM. Exit status 0 means a
 * clean drain after SIGTERM or SIGINT, 2 bad configuration, 1 a failed start (a port in use, say).
 */
public final class Main {

  /** Upper bound on a graceful shutdown; past it the process exits anyway. */
  private static final long SHUTDOWN_TIMEOUT_S = 30;

  private Main() {
  }

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    Logger log = LoggerFactory.getLogger(Main.class);
    ProxyConfig config;
    try {
      config = ConfigLoader.fromArgs(args, System.getenv());
    } catch (ConfigException e) {
      log.error("Invalid configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    ProxyVerticle proxy = new ProxyVerticle(config, v -> VertxRedisReader.create(v, config), Ticker.system());
    try {
      vertx.deployVerticle(proxy).await();
    } catch (Exception e) {
      log.error("Start-up failed: {}", e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    log.info("redis-proxy started: HTTP on port {}, RESP {}; {}", config.proxyPort(),
        config.respPort() == 0 ? "off" : "on port " + config.respPort(), config.describe());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, proxy, log), "shutdown"));
  }

  private static void shutdown(Vertx vertx, ProxyVerticle proxy, Logger log) {
    log.info("Shutting down: refusing new connections, finishing requests in flight");
    try {
      proxy.drain().eventually(vertx::close).await(SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
      log.info("Stopped");
      // A JVM ended by a signal exits with 128 + signal (143 for SIGTERM) even after its hooks
      // ran; the drain succeeded, so say so to docker, systemd and Kubernetes. The proxy has no
      // other shutdown hook for halt to cut short.
      Runtime.getRuntime().halt(0);
    } catch (Exception e) {
      log.warn("Shutdown did not finish cleanly: {}", e.toString());
    }
  }
}
