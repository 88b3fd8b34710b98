package dev.redisproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} process on a free loopback port, for integration and system tests.
 * The binary is the {@code redis-server} on PATH where there is one, else the Linux or macOS
 * binary shipped inside the {@code com.github.codemonstur:embedded-redis} test dependency.
 * Persistence is off; the process is killed on {@link #close()}.
 */
public final class RedisProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final int port;
  private final Path dir;
  // A config file given as the first argument (a sentinel needs one it can rewrite); null for none.
  private final Path configFile;
  // Arguments after the defaults: cluster, sentinel, TLS or ACL settings.
  private final List<String> extraArgs;
  private Process process;

  private RedisProcess(int port, Path dir, Path configFile, List<String> extraArgs) {
    this.port = port;
    this.dir = dir;
    this.configFile = configFile;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** Starts a server on a free port and waits until it answers PING. */
  public static RedisProcess start() throws IOException {
    return start(List.of());
  }

  /** Starts a server with extra arguments, e.g. {@code --cluster-enabled yes} or {@code --tls-port N}. */
  public static RedisProcess start(List<String> extraArgs) throws IOException {
    return start(freePort(), null, extraArgs);
  }

  /**
   * Starts a server on the given port whose first argument is a config file with the given lines,
   * written into the server's own directory (a sentinel rewrites it), then the extra arguments.
   */
  public static RedisProcess startWithConfig(int port, String configLines, List<String> extraArgs) throws IOException {
    return start(port, configLines, extraArgs);
  }

  private static RedisProcess start(int port, String configLines, List<String> extraArgs) throws IOException {
    Path dir = Files.createTempDirectory("redis-test-");
    Path configFile = null;
    if (configLines != null) {
      configFile = dir.resolve("redis.conf");
      Files.writeString(configFile, configLines);
    }
    RedisProcess redis = new RedisProcess(port, dir, configFile, extraArgs);
    redis.launch();
    return redis;
  }

  /** The server's working directory, for files such as certificates it should not share. */
  public Path dir() {
    return dir;
  }

  /** The server's log so far, for assertion messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** A new blocking client to seed or inspect this server; the caller closes it. */
  public Jedis client() {
    return new Jedis("127.0.0.1", port, 5_000);
  }

  public void set(String key, String value) {
    try (Jedis jedis = client()) {
      jedis.set(key, value);
    }
  }

  public void set(byte[] key, byte[] value) {
    try (Jedis jedis = client()) {
      jedis.set(key, value);
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Starts the server again on the same port, empty. */
  public void restart() throws IOException {
    launch();
  }

  /** Sends SIGSTOP / SIGCONT: a paused server accepts connections but answers nothing. */
  public void pause(boolean paused) throws IOException, InterruptedException {
    new ProcessBuilder("kill", paused ? "-STOP" : "-CONT", Long.toString(process.pid()))
        .inheritIO().start().waitFor(5, TimeUnit.SECONDS);
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      process.toHandle().children().forEach(ProcessHandle::destroyForcibly);
    }
    kill();
  }

  private void launch() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(binary().toString()));
    if (configFile != null) {
      cmd.add(configFile.toString());
    }
    cmd.addAll(List.of(
        "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--protected-mode", "no"));
    cmd.addAll(extraArgs);
    process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile())
        .start();
    awaitPing();
  }

  private void awaitPing() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited: " + log());
      }
      try (Jedis jedis = client()) {
        if ("PONG".equals(jedis.ping())) {
          return;
        }
      } catch (RuntimeException notYet) {
        Thread.onSpinWait();
      }
      sleepQuietly(20);
    }
    throw new IOException("redis-server did not answer PING on port " + port + " within " + START_TIMEOUT);
  }

  /** Polling interval while waiting for a process to come up; not a timing assumption. */
  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A TCP port nobody listens on right now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** True if something accepts connections on the loopback port. */
  public static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path cachedBinary;

  static synchronized Path binary() throws IOException {
    if (cachedBinary != null) {
      return cachedBinary;
    }
    Path onPath = Tools.which("redis-server");
    return cachedBinary = onPath != null ? onPath : extractEmbedded();
  }

  private static Path extractEmbedded() throws IOException {
    String os = System.getProperty("os.name").toLowerCase();
    String arch = System.getProperty("os.arch");
    String resource;
    if (os.contains("linux")) {
      resource = arch.contains("aarch64") || arch.contains("arm64")
          ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    } else if (os.contains("mac")) {
      resource = arch.contains("aarch64") ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
    } else {
      throw new IOException("no redis-server on PATH and no embedded binary for " + os + "/" + arch);
    }
    try (InputStream in = RedisProcess.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no redis-server on PATH and " + resource + " is not on the test classpath");
      }
      Path target = Files.createTempFile("redis-server-", "");
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
      target.toFile().deleteOnExit();
      return target;
    }
  }
}
