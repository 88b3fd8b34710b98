package dev.redisproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.config.ConfigLoader;
import io.vertx.core.VertxOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Vert.x that {@code Main} starts: as many event loops as front-end instances of each kind. */
class MainTest {

  @Test
  void oneEventLoopByDefault() {
    VertxOptions options = Main.vertxOptions(ConfigLoader.fromArgs(new String[0], Map.of()));

    assertThat(options.getEventLoopPoolSize()).isEqualTo(1);
    assertThat(options.getPreferNativeTransport()).isTrue();
  }

  @Test
  void anEventLoopPerFrontEndInstance() {
    VertxOptions options = Main.vertxOptions(ConfigLoader.fromArgs(new String[0], Map.of("MAX_PARALLEL", "3")));

    assertThat(options.getEventLoopPoolSize()).isEqualTo(3);
  }
}
