package dev.redisproxy.config;

import static dev.redisproxy.testing.Tools.onPath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    for (Variable v : Variable.values()) {
      String name = v.name();
      assertThat(env).as(".env").containsPattern("(?m)^" + name + "=");
      assertThat(compose).as("docker-compose.yml").contains(name + ": ${" + name);
      assertThat(readme).as("a row of the README's configuration table").containsPattern("(?m)^\\|[^\\n]*`" + name + "`");
      // Optional variables, unset by default (REDIS_URL, REDIS_SENTINELS, REDIS_PASSWORD, ...), may stay out of the file.
      if (!v.defaultValue.isEmpty()) {
        assertThat(config).as("conf/config.json").contains("\"" + name + "\"");
      }
    }
  }

  /** The defaults written in .env and compose are the proxy's own, so that compose runs what the README says. */
  @Test
  void envFileAndComposeFileHoldTheDefaults() throws IOException {
    String env = Files.readString(Path.of(".env"));
    String compose = Files.readString(Path.of("docker-compose.yml"));
    for (Variable v : Variable.values()) {
      String name = v.name();
      // In compose, Redis is the service named redis.
      String expected = v == Variable.REDIS_HOST ? "redis" : v.defaultValue;
      assertThat(env).as(".env " + name).containsPattern("(?m)^" + name + "=" + Pattern.quote(expected) + "$");
      Matcher fallback = Pattern.compile(Pattern.quote(name + ": ${" + name + ":-") + "([^}]*)}").matcher(compose);
      if (fallback.find()) {
        assertThat(fallback.group(1)).as("docker-compose.yml default of " + name).isEqualTo(v.defaultValue);
      }
    }
  }

  /** A variable the proxy no longer reads does not linger in .env (LOG_LEVEL and JAVA_OPTS are read by logback and the JVM). */
  @Test
  void envFileNamesNothingElse() throws IOException {
    Matcher m = Pattern.compile("(?m)^([A-Z_]+)=").matcher(Files.readString(Path.of(".env")));
    while (m.find()) {
      String name = m.group(1);
      if (!name.equals("LOG_LEVEL") && !name.equals("JAVA_OPTS")) {
        assertThat(Arrays.stream(Variable.values()).map(Variable::name)).as(".env").contains(name);
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
