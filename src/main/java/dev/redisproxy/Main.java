package dev.redisproxy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigException;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.LogFormat;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.metrics.MeteredVertx;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.redis.RedisReaders;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code java -jar redis-proxy.jar [-conf FILE]}: reads and checks the
 * configuration, starts Vert.x and the proxy, and drains it on SIGTERM. Exit status 0 means a
 * clean drain after SIGTERM or SIGINT, 2 bad configuration, 1 a failed start (a port in use, say),
 * 3 out of memory ({@link Fatal}).
 */
public final class Main {

  /** Upper bound on a graceful shutdown; past it the process exits anyway. */
  private static final long SHUTDOWN_TIMEOUT_S = 30;

  private Main() {
  }

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    // Before anything logs (reading the config file may): logback configures itself on first use.
    LogFormat early = ConfigLoader.earlyLogFormat(System.getenv());
    System.setProperty("LOG_FORMAT", early.id());
    Logger log = LoggerFactory.getLogger(Main.class);
    Fatal.install();
    ProxyConfig config;
    try {
      config = ConfigLoader.fromArgs(args, System.getenv());
    } catch (ConfigException e) {
      log.error("Invalid configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    if (config.logFormat() != early) {
      useLogFormat(config.logFormat());
    }
    config.warnings().forEach(log::warn);
    PrometheusMeterRegistry registry = ProxyMetrics.newRegistry();
    Vertx vertx = MeteredVertx.create(vertxOptions(config), registry);
    Fatal.install(vertx);
    ProxyVerticle proxy = new ProxyVerticle(config, v -> RedisReaders.create(v, config), Ticker.system(), registry);
    try {
      vertx.deployVerticle(proxy).await();
    } catch (Exception e) {
      log.error("Start-up failed: {}", e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    log.info("redis-proxy started: HTTP on port {}, RESP {}, {} transport; {}", config.proxyPort(),
        config.respPort() == 0 ? "off" : "on port " + config.respPort(),
        vertx.isNativeTransportEnabled() ? "epoll" : "NIO", config.describe());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, proxy, log), "shutdown"));
  }

  /**
   * One event loop per front-end instance ({@code MAX_PARALLEL}), not Vert.x's default of two per
   * core: the cache verticle then shares a loop with an HTTP and a RESP instance, whose lookups
   * reach it and come back without waking another thread, and no loop sits waiting for work
   * that a second thread on the same core would have to be woken for. With {@code MAX_PARALLEL=1}
   * the whole proxy runs on one event loop (the cheapest per request when the proxy has about one
   * core); to use more cores, raise {@code MAX_PARALLEL} to them (docs/operations.md).
   */
  static VertxOptions vertxOptions(ProxyConfig config) {
    return new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(config.maxParallel());
  }

  /**
   * Switches logback to the format the config file asked for: logback.xml reads {@code LOG_FORMAT}
   * (a system property wins over the environment variable), so set it and configure again.
   */
  private static void useLogFormat(LogFormat format) {
    System.setProperty("LOG_FORMAT", format.id());
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    try {
      new ContextInitializer(context).autoConfig();
    } catch (JoranException e) {
      LoggerFactory.getLogger(Main.class).warn("Could not switch the log format to {}: {}", format.id(), e.toString());
    }
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
    flushAccessLog();
  }

  /** The access log is written through a queue (logback.xml): let its last lines out before exit. */
  private static void flushAccessLog() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Appender<ILoggingEvent> access = context.getLogger("dev.redisproxy.access").getAppender("access");
    if (access != null) {
      access.stop();
    }
  }
}
