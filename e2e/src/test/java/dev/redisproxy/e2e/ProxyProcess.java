package dev.redisproxy.e2e;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.RawHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The production artifact, {@code target/redis-proxy.jar}, run as {@code java -jar} in a process
 * of its own: the system tests see only its ports, its output and its exit code.
 *
 * <p>The process gets exactly the environment a test gives it, plus a few variables the JVM
 * itself may want (PATH, HOME, ...): a {@code REDIS_PORT} exported in the developer's shell must
 * not leak into a test. It runs in a fresh working directory under {@code target/e2e/}, so no
 * stray {@code conf/config.json} is read, and its stdout and stderr go to {@code proxy.log}
 * there, kept after the run for whoever debugs a failure.
 */
public final class ProxyProcess implements AutoCloseable {

  /** How long start-up may take on a loaded two-core machine before a test gives up. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** How long a SIGTERM'd proxy may take to drain and exit before a test gives up. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(40);

  /**
   * JVM options for the proxy process, overridable with the system property
   * {@code e2e.proxy.jvmArgs} (empty for none). The default trades peak speed, which these short
   * runs never reach, for a start-up about a third faster on a busy two-core machine: C1 only,
   * and the serial collector instead of GC threads competing for the cores.
   */
  static final String DEFAULT_JVM_ARGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

  /** Variables of the test JVM's environment passed on; every other one is dropped. */
  private static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME");

  private final Process process;
  private final Path dir;
  private final Path log;
  private final int httpPort;
  // PROXY_TLS_CERT set: the port speaks TLS only, so readiness is read from the proxy's own log line.
  private final boolean tls;

  private ProxyProcess(Process process, Path dir, Path log, int httpPort, boolean tls) {
    this.process = process;
    this.dir = dir;
    this.log = log;
    this.httpPort = httpPort;
    this.tls = tls;
  }

  /**
   * Starts the jar with this environment and these arguments; does not wait for it to listen.
   *
   * @param httpPort the port it is expected to serve HTTP on (from {@code env} or a config file)
   */
  public static ProxyProcess start(int httpPort, Map<String, String> env, String... args) throws IOException {
    Path dir = newWorkDir();
    return start(dir, httpPort, env, args);
  }

  /** As {@link #start(int, Map, String...)}, in a working directory the caller prepared. */
  public static ProxyProcess start(Path workDir, int httpPort, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : System.getProperty("e2e.proxy.jvmArgs", DEFAULT_JVM_ARGS).trim().split("\\s+")) {
      if (!option.isEmpty()) {
        cmd.add(option);
      }
    }
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(List.of(args));
    Path log = workDir.resolve("proxy.log");
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> processEnv = pb.environment();
    processEnv.keySet().retainAll(INHERITED);
    processEnv.putAll(env);
    boolean tls = !env.getOrDefault("PROXY_TLS_CERT", "").isBlank();
    return new ProxyProcess(pb.start(), workDir, log, httpPort, tls);
  }

  /** The jar under test: system property {@code proxy.jar} (set by failsafe), else {@code target/redis-proxy.jar}. */
  public static Path jar() {
    Path jar = Path.of(System.getProperty("proxy.jar", "target/redis-proxy.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " does not exist: build it first (mvn package, make build)");
    }
    return jar;
  }

  /** A new, empty directory under {@code target/e2e/} for one proxy process. */
  public static Path newWorkDir() throws IOException {
    Path root = jar().getParent().resolve("e2e");
    Files.createDirectories(root);
    return Files.createTempDirectory(root, "proxy-");
  }

  /**
   * Polls the HTTP port until the proxy answers an HTTP request (with TLS on, until it logs that
   * it started); fails at once, with the proxy's output, if the process exits instead.
   */
  public ProxyProcess awaitListening() throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError("proxy exited with " + process.exitValue() + " before listening on "
            + httpPort + "; its output:\n" + output());
      }
      if (tls ? output().contains("redis-proxy started") : answersHttp()) {
        return this;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("proxy did not answer HTTP on port " + httpPort + " within "
            + START_TIMEOUT + "; its output:\n" + output());
      }
      Thread.sleep(Await.POLL_INTERVAL.toMillis());
    }
  }

  /** One request that closes its connection, so that it holds none of MAX_CONNECTIONS afterwards. */
  private boolean answersHttp() {
    try (RawHttp conn = RawHttp.connect("127.0.0.1", httpPort)) {
      conn.send("GET / HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n\r\n").read();
      conn.awaitClosed();
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  public int httpPort() {
    return httpPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The working directory the proxy runs in. */
  public Path dir() {
    return dir;
  }

  /** Everything the proxy wrote to stdout and stderr so far. */
  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends SIGTERM, as {@code docker stop} or systemd would, and waits for the process to exit.
   *
   * @return the exit code
   */
  public int stop() throws InterruptedException {
    process.destroy(); // SIGTERM on Unix
    return awaitExit(STOP_TIMEOUT);
  }

  /** Sends SIGTERM and returns at once; {@link #awaitExit} waits for the drain to finish. */
  public void terminate() {
    process.destroy(); // SIGTERM on Unix
  }

  /**
   * Waits for the process to end by itself. If it has not by the deadline it is killed and the
   * test fails, with the proxy's output.
   *
   * @return the exit code
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    throw new AssertionError("proxy did not exit within " + timeout + "; its output:\n" + output());
  }

  /** Stops the proxy if it still runs; a proxy that ignores SIGTERM is killed. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
