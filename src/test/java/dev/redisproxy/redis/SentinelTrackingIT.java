package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.LogCapture;
import dev.redisproxy.testing.InProcessProxy;
import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.RedisProcess;
import dev.redisproxy.testing.RedisSentinelGroup;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.redis.client.impl.RedisURI;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;

/**
 * {@code CACHE_INVALIDATION=tracking} and {@code broadcast} with {@code REDIS_SENTINELS}: the whole
 * proxy against a real master, replica and three sentinels, with a {@code CACHE_TTL} of an hour so that
 * only Redis's reports (and the drop at a master switch) make a cached value fresh. After a failover,
 * manual or by killing the master, the cache is dropped, tracking runs on the new master, and every
 * write to it is served next.
 */
class SentinelTrackingIT {

  private static final Duration FAILOVER = Duration.ofSeconds(60);
  /** How long a change may take to show through the proxy before the test fails: not a latency target. */
  private static final Duration FRESH = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newHttpClient();

  private static InProcessProxy proxy(RedisSentinelGroup group, String mode) throws Exception {
    return InProcessProxy.start(Map.of("REDIS_SENTINELS", group.sentinelAddresses(),
        "REDIS_MASTER_NAME", RedisSentinelGroup.MASTER_NAME, "CACHE_INVALIDATION", mode, "CACHE_TTL", "1h"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tracking", "broadcast"})
  void aManualFailoverDropsTheCacheAndTrackingMovesToTheNewMaster(String mode) throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start(); InProcessProxy proxy = proxy(group, mode)) {
      RedisProcess oldMaster = group.master();
      RedisProcess newMaster = group.replica();
      awaitTrackingOn(proxy, oldMaster);
      oldMaster.set("k", "v1");
      assertCached(proxy, "k", "v1");
      oldMaster.set("k", "v2");
      awaitServed(proxy, "k", "v2");
      group.awaitReplicated();
      try (Jedis sentinel = new Jedis("127.0.0.1", Integer.parseInt(group.sentinelAddresses().split("[:,]")[1]))) {
        sentinel.sendCommand(Protocol.Command.SENTINEL, "FAILOVER", RedisSentinelGroup.MASTER_NAME);
      }
      Await.until(FAILOVER, "the sentinels to name the new master", () -> group.masterPortPerSentinels() == newMaster.port());
      afterTheSwitch(proxy, newMaster);
      Await.until(FRESH, "the old master to lose the tracking connection", () -> !tracked(oldMaster));
      assertThat(oldMaster.running()).as("the old master kept running, as a replica").isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tracking", "broadcast"})
  void aKilledMasterDropsTheCacheAndTrackingMovesToThePromotedReplica(String mode) throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start(); InProcessProxy proxy = proxy(group, mode)) {
      RedisProcess newMaster = group.replica();
      awaitTrackingOn(proxy, group.master());
      group.master().set("k", "v1");
      assertCached(proxy, "k", "v1");
      group.awaitReplicated();
      group.master().kill();
      Await.until(FAILOVER, "the sentinels to name the new master", () -> group.masterPortPerSentinels() == newMaster.port());
      afterTheSwitch(proxy, newMaster);
    }
  }

  /**
   * The switch dropped the cache (a whole-cache drop for the lost connection), tracking runs on the new
   * master, and a write there is served next: not the value cached from the old master, which would
   * live for the hour of CACHE_TTL.
   */
  private void afterTheSwitch(InProcessProxy proxy, RedisProcess newMaster) throws Exception {
    awaitTrackingOn(proxy, newMaster);
    assertThat(metrics(proxy).get("redis_proxy_cache_tracking_flushes_total{reason=\"connection_lost\"}"))
        .as("the cache dropped at the switch").isGreaterThanOrEqualTo(1);
    HttpResponse<String> first = proxy.get("k");
    assertThat(first.headers().firstValue("X-Cache")).as("the value cached from the old master was dropped").hasValue("MISS");
    newMaster.set("k", "v3");
    awaitServed(proxy, "k", "v3");
    assertCached(proxy, "k", "v3");
    for (int i = 4; i < 8; i++) {
      newMaster.set("k", "v" + i);
      awaitServed(proxy, "k", "v" + i);
    }
  }

  @Test
  void theSentinelsAreAskedInTurnAndAnUnknownNameFails() throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
      Vertx vertx = Vertx.vertx();
      try {
        NetClient net = vertx.createNetClient();
        String sentinels = "127.0.0.1:" + RedisProcess.freePort() + "," + group.sentinelAddresses();
        RedisURI master = masterOf(net, sentinels, RedisSentinelGroup.MASTER_NAME);
        assertThat(master.socketAddress().port()).as("from the second sentinel: nobody listens on the first")
            .isEqualTo(group.master().port());
        assertThat(master.socketAddress().host()).isEqualTo("127.0.0.1");
        Throwable unknown = null;
        try {
          masterOf(net, group.sentinelAddresses(), "no-such-master");
        } catch (ExecutionException e) {
          unknown = e.getCause();
        }
        assertThat(unknown).as("an unknown master name").isNotNull();
        assertThat(unknown.getMessage()).contains("knows no master named 'no-such-master'");
      } finally {
        vertx.close().await();
      }
    }
  }

  /**
   * A sentinel that has not heard of a failover names the old master, by then a replica: the reader
   * does not track it (nor cache what it reads) and asks again until the sentinels name a master.
   */
  @Test
  void aServerTheSentinelsNameIsNotTrackedWhileItIsAReplica() throws Exception {
    try (RedisProcess master = RedisProcess.start();
         RedisProcess replica = RedisProcess.start(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
         FakeSentinel sentinel = new FakeSentinel(replica.port());
         LogCapture log = new LogCapture(TrackingRedisReader.class)) {
      try (TrackingHarness h = new TrackingHarness(Map.of("REDIS_SENTINELS", "127.0.0.1:" + sentinel.port(),
          "REDIS_MASTER_NAME", "mymaster"))) {
        Await.until(FRESH, "the refusal logged", () -> log.messages(Level.WARN).stream()
            .anyMatch(m -> m.contains("127.0.0.1:" + replica.port() + " as master of 'mymaster', but it is a replica")));
        assertThat(h.up()).isFalse();
        assertThat(tracked(replica)).isFalse();
        sentinel.master = master.port();
        h.awaitUp();
        assertThat(tracked(master)).isTrue();
      }
    }
  }

  /** Answers HELLO and SENTINEL GET-MASTER-ADDR-BY-NAME with the port it is told, and closes. */
  private static final class FakeSentinel implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    volatile int master;

    FakeSentinel(int master) throws IOException {
      this.master = master;
      Thread t = new Thread(this::serve, "fake-sentinel");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          StringBuilder in = new StringBuilder();
          byte[] buf = new byte[4096];
          while (!in.toString().contains("mymaster\r\n")) {
            int n = s.getInputStream().read(buf);
            if (n < 0) {
              break;
            }
            in.append(new String(buf, 0, n, StandardCharsets.UTF_8));
          }
          String port = Integer.toString(master);
          s.getOutputStream().write(("+OK\r\n*2\r\n$9\r\n127.0.0.1\r\n$" + port.length() + "\r\n" + port + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
        } catch (IOException closed) {
          // the test is over, or the reader gave up on this question
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private static RedisURI masterOf(NetClient net, String sentinels, String name) throws Exception {
    ProxyConfig config = ConfigLoader.load(null, Map.of("REDIS_SENTINELS", sentinels, "REDIS_MASTER_NAME", name));
    return new SentinelMaster(net, config.backend(), Duration.ofSeconds(2)).master()
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private void awaitTrackingOn(InProcessProxy proxy, RedisProcess master) throws InterruptedException {
    Await.until(FAILOVER, "tracking up on the master at " + master.port(),
        () -> metrics(proxy).get("redis_proxy_cache_tracking_up") == 1 && tracked(master));
  }

  /** Whether the proxy's tracking connection is open on this server. */
  private static boolean tracked(RedisProcess redis) {
    try (Jedis jedis = redis.client()) {
      return jedis.clientList().contains(" name=" + TrackingConnection.CLIENT_NAME + " ");
    }
  }

  private void assertCached(InProcessProxy proxy, String key, String value) throws Exception {
    awaitServed(proxy, key, value);
    HttpResponse<String> hit = proxy.get(key);
    assertThat(hit.headers().firstValue("X-Cache")).as("X-Cache of " + key).hasValue("HIT");
    assertThat(hit.body()).isEqualTo(value);
  }

  private void awaitServed(InProcessProxy proxy, String key, String value) throws InterruptedException {
    Await.until(FRESH, key + " served as " + value, () -> {
      HttpResponse<String> got = proxy.get(key);
      return got.statusCode() == 200 && value.equals(got.body());
    });
  }

  private PrometheusText metrics(InProcessProxy proxy) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/metrics")).build();
    return PrometheusText.parse(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }
}
