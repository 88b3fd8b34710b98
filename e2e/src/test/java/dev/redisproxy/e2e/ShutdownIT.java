package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RedisProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM, as sent by {@code docker stop}, systemd or Kubernetes: the proxy drains and exits
 * with status 0, within {@link ProxyProcess#STOP_TIMEOUT} (a deadline, not a goal). Skipped
 * against an external deployment.
 */
class ShutdownIT {

  @Test
  void sigtermStopsTheProxyWithExitCode0() throws Exception {
    try (ProxyStack stack = ProxyStack.startLocal(Map.of())) {
      String key = stack.key("before-shutdown");
      stack.set(key, "v");
      assertThat(stack.get(key).status()).isEqualTo(200);
      ProxyProcess proxy = stack.proxyProcess();

      int exit = proxy.stop();

      assertThat(exit).as("exit code after SIGTERM; output:%n%s", proxy.output()).isZero();
      assertThat(RedisProcess.listening(proxy.httpPort())).as("HTTP port closed").isFalse();
    }
  }
}
