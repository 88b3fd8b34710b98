package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RawHttp;
import dev.redisproxy.testing.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while requests are in flight: they complete with their values, over HTTP and RESP;
 * connections opened after the signal are refused, idle ones are closed; the proxy exits 0.
 * Redis is stopped (SIGSTOP) while the signal arrives, so the requests are certainly still waiting
 * for it, and continued once the proxy has stopped accepting. Skipped against an external
 * deployment.
 */
class ShutdownUnderLoadIT {

  private static final int HTTP_REQUESTS = 12;
  private static final int RESP_REQUESTS = 6;
  /** A deadline against a hang, not a goal: the port closes as soon as the signal is handled. */
  private static final Duration REFUSAL_DEADLINE = Duration.ofSeconds(8);

  @Test
  void requestsInFlightCompleteAndNewConnectionsAreRefused() throws Exception {
    int respPort = RedisProcess.freePort();
    try (ProxyStack stack = ProxyStack.startLocal(Map.of(
        "RESP_PORT", Integer.toString(respPort), "MAX_PARALLEL", "2", "REDIS_TIMEOUT", "30s"))) {
      RedisProcess redis = stack.redisProcess();
      ProxyProcess proxy = stack.proxyProcess();
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < HTTP_REQUESTS + RESP_REQUESTS; i++) {
        keys.add(stack.key("draining-" + i));
        stack.set(keys.get(i), "value-" + i);
      }
      String warm = stack.key("warm");
      stack.set(warm, "w");
      RawHttp idleHttp = stack.connect();
      assertThat(idleHttp.send(RawHttp.request("GET", ProxyClient.path(warm))).read().status()).isEqualTo(200);
      RawConnection idleResp = RawConnection.connect(stack.proxyHost(), respPort);
      assertThat(idleResp.call("PING").text()).isEqualTo("PONG");

      List<RawHttp> http = new ArrayList<>();
      List<RawConnection> resp = new ArrayList<>();
      redis.pause(true);
      try {
        for (int i = 0; i < HTTP_REQUESTS; i++) {
          http.add(stack.connect().send(RawHttp.request("GET", ProxyClient.path(keys.get(i)))));
        }
        for (int i = 0; i < RESP_REQUESTS; i++) {
          resp.add(RawConnection.connect(stack.proxyHost(), respPort).sendCommand("GET", keys.get(HTTP_REQUESTS + i)));
        }
        Await.until("every request waiting for Redis", Duration.ofSeconds(30), () -> readsInFlight(stack),
            n -> n == HTTP_REQUESTS + RESP_REQUESTS);

        proxy.terminate();

        Await.until("the HTTP and RESP ports refusing connections", REFUSAL_DEADLINE,
            () -> RedisProcess.listening(proxy.httpPort()) || RedisProcess.listening(respPort), listening -> !listening);
        assertThat(idleHttp.awaitClosed()).as("an idle HTTP connection is closed").isTrue();
        assertThat(idleResp.awaitClosed(RawHttp.READ_TIMEOUT)).as("an idle RESP connection is closed").isTrue();
      } finally {
        redis.pause(false);
      }

      for (int i = 0; i < HTTP_REQUESTS; i++) {
        RawHttp.Response r = http.get(i).read();
        assertThat(r.status()).as("HTTP request %d in flight at SIGTERM: %s", i, r).isEqualTo(200);
        assertThat(r.text()).isEqualTo("value-" + i);
        http.get(i).close();
      }
      for (int i = 0; i < RESP_REQUESTS; i++) {
        RawConnection.Reply r = resp.get(i).reply();
        assertThat(r.text()).as("RESP GET %d in flight at SIGTERM", i).isEqualTo("value-" + (HTTP_REQUESTS + i));
        resp.get(i).close();
      }
      assertThat(proxy.awaitExit(ProxyProcess.STOP_TIMEOUT)).as("exit status; output:%n%s", proxy.output()).isZero();
      idleHttp.close();
      idleResp.close();
    }
  }

  private static double readsInFlight(ProxyStack stack) throws Exception {
    Reply r = stack.http().send("GET", "/metrics", null);
    return PrometheusText.parse(r.text()).get("redis_proxy_redis_reads_in_flight");
  }
}
