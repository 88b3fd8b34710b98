package dev.redisproxy.config;

import static dev.redisproxy.testing.Tools.onPath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The files that configure the proxy outside Java (.env, docker-compose.yml, the README's
 * table, conf/config.json) name every configuration variable, so none is silently forgotten
 * when a variable is added. Compose is validated where {@code docker-compose} is installed.
 */
class DeploymentFilesTest {

  @Test
  void envFileComposeFileAndReadmeNameEveryVariable() throws IOException {
    String env = Files.readString(Path.of(".env"));
    String compose = Files.readString(Path.of("docker-compose.yml"));
    String readme = Files.readString(Path.of("README.md"));
    String config = Files.readString(Path.of("conf", "config.json"));
    for (String name : ConfigLoader.DEFAULTS.keySet()) {
      assertThat(env).as(".env").containsPattern("(?m)^" + name + "=");
      assertThat(compose).as("docker-compose.yml").contains(name + ": ${" + name);
      assertThat(readme).as("README.md configuration table").contains("`" + name + "`");
      // Optional variables, unset by default (REDIS_URL, REDIS_SENTINELS, REDIS_PASSWORD, ...), may stay out of the file.
      if (!ConfigLoader.DEFAULTS.get(name).isEmpty()) {
        assertThat(config).as("conf/config.json").contains("\"" + name + "\"");
      }
    }
  }

  @Test
  void composeFileIsValidWithTheEnvFile() throws Exception {
    assumeTrue(onPath("docker-compose"), "docker-compose is not installed; `make lint` validates compose where it is");
    Process p = new ProcessBuilder("docker-compose", "--profile", "e2e", "config", "--quiet")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("docker-compose config: %s", output).isZero();
  }
}
