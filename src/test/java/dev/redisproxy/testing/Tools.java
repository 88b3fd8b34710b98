package dev.redisproxy.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Command-line tools the tests use where present (redis-cli, redis-benchmark, node, docker-compose, ...). */
public final class Tools {

  /** A guard against a hung tool, not a timing assertion. */
  private static final long PROCESS_TIMEOUT_S = 120;

  private Tools() {
  }

  /** The executable named {@code tool} on PATH, or null. */
  public static Path which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  public static boolean onPath(String tool) {
    return which(tool) != null;
  }

  /** How a tool ended: its exit status, and stdout and stderr together as UTF-8. */
  public record Result(int exit, String out) {
  }

  /** Runs {@code command} with no input to its end. */
  public static Result run(String... command) throws IOException, InterruptedException {
    return run(null, null, command);
  }

  /** Runs {@code command} with {@code stdin} as its input, as a user typing into it would. */
  public static Result runWithInput(String stdin, String... command) throws IOException, InterruptedException {
    return run(null, stdin, command);
  }

  /** Runs {@code command} in the directory {@code dir}, with no input. */
  public static Result runIn(Path dir, String... command) throws IOException, InterruptedException {
    return run(dir, null, command);
  }

  private static Result run(Path dir, String stdin, String... command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("tool-", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true).redirectOutput(out.toFile());
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      }
      Process p = pb.start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      if (!p.waitFor(PROCESS_TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within " + PROCESS_TIMEOUT_S + " s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
