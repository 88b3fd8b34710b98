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
  private Process process;

  private RedisProcess(int port) throws IOException {
    this.port = port;
    this.dir = Files.createTempDirectory("redis-test-");
  }

  /** Starts a server on a free port and waits until it answers PING. */
  public static RedisProcess start() throws IOException {
    RedisProcess redis = new RedisProcess(freePort());
    redis.launch();
    return redis;
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
    List<String> cmd = new ArrayList<>(List.of(binary().toString(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--protected-mode", "no"));
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
        throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
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
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return cachedBinary = candidate;
      }
    }
    return cachedBinary = extractEmbedded();
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
