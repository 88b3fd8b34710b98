package dev.redisproxy.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Command-line tools the tests use where present (redis-cli, redis-benchmark, docker-compose, ...). */
public final class Tools {

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
}
