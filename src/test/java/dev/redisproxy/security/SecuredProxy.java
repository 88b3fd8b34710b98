package dev.redisproxy.security;

import dev.redisproxy.testing.ProxyFixture;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the security tests share: a {@link ProxyFixture} with Redis and both front ends, configured
 * with the security settings under test, and running the Redis command-line tools against it.
 */
final class SecuredProxy {

  static final String HOST = "127.0.0.1";
  /** A guard against a hung tool, not a timing assertion. */
  private static final long PROCESS_TIMEOUT_S = 60;

  private SecuredProxy() {
  }

  /** The fixture, for {@code @RegisterExtension}: {@code settings} are environment variables over the test defaults. */
  static ProxyFixture fixture(Map<String, String> settings) {
    return ProxyFixture.withRedis().withResp().with(settings);
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
}
