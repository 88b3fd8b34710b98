package dev.redisproxy.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Builds the image from the project's Dockerfile and reads a key through it from a Redis 7
 * container. Needs a Docker engine: skipped (not failed) where none answers, as on the
 * development and CI machines of this project.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerImageIT {

  @Test
  void theImageServesAKeyFromRedis() throws Exception {
    try (Network network = Network.newNetwork();
         GenericContainer<?> redis = new GenericContainer<>("redis:7")
             .withNetwork(network).withNetworkAliases("redis").withExposedPorts(6379);
         GenericContainer<?> proxy = new GenericContainer<>(
             new ImageFromDockerfile("redis-proxy-test", false)
                 .withFileFromPath(".", Path.of(".").toAbsolutePath().normalize())
                 .withTarget("runtime"))
             .withNetwork(network)
             .withEnv("REDIS_HOST", "redis")
             .withExposedPorts(8080)
             .waitingFor(Wait.forHttp("/get/__probe__").forStatusCode(404)
                 .withStartupTimeout(Duration.ofMinutes(2)))) {
      redis.start();
      redis.execInContainer("redis-cli", "SET", "greeting", "hello from redis");
      proxy.start();
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(
              "http://" + proxy.getHost() + ":" + proxy.getMappedPort(8080) + "/get/greeting")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("hello from redis");
      assertThat(response.headers().firstValue("X-Cache")).hasValue("MISS");
    }
  }
}
