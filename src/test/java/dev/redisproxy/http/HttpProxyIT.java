package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.redis.VertxRedisReader;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole proxy in-process, HTTP front end against a real redis-server. */
class HttpProxyIT {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RedisProcess redis;
  private Vertx vertx;
  private ProxyVerticle proxy;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await();
    redis.close();
  }

  private void startProxy(Map<String, String> env) throws IOException {
    port = RedisProcess.freePort();
    Map<String, String> all = new HashMap<>(Map.of(
        "REDIS_URL", redis.url(), "PROXY_PORT", Integer.toString(port), "RESP_PORT", "0",
        "MAX_PARALLEL", "2", "REDIS_TIMEOUT", "5s"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    proxy = new ProxyVerticle(config, v -> VertxRedisReader.create(v, config), Ticker.system());
    vertx.deployVerticle(proxy).await();
  }

  private HttpResponse<byte[]> send(String method, String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10)).build();
    return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return send("GET", path);
  }

  private static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void missThenHitWithHeaders() throws Exception {
    startProxy(Map.of());
    redis.set("greeting", "hello");
    HttpResponse<byte[]> first = get("/get/greeting");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(body(first)).isEqualTo("hello");
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(first.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    redis.set("greeting", "changed");
    HttpResponse<byte[]> second = get("/get/greeting");
    assertThat(body(second)).as("served from the cache").isEqualTo("hello");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
  }

  @Test
  void statusCodesOfTheDesign() throws Exception {
    startProxy(Map.of());
    redis.set("k", "v");
    try (var jedis = redis.client()) {
      jedis.rpush("list", "x");
    }
    assertThat(get("/get/missing").statusCode()).isEqualTo(404);
    assertThat(get("/get/").statusCode()).isEqualTo(400);
    try (Socket s = new Socket("127.0.0.1", port)) {
      assertThat(rawGet(s, "/get/bad%zz")).as("java.net.URI refuses to send this, so raw").startsWith("HTTP/1.1 400");
    }
    assertThat(get("/nowhere").statusCode()).isEqualTo(404);
    HttpResponse<byte[]> post = send("POST", "/get/k");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(send("DELETE", "/get/k").statusCode()).isEqualTo(405);
    HttpResponse<byte[]> wrongType = get("/get/list");
    assertThat(wrongType.statusCode()).isEqualTo(502);
    assertThat(body(wrongType)).contains("WRONGTYPE");
  }

  @Test
  void headAnswersLikeGetWithoutABody() throws Exception {
    startProxy(Map.of());
    redis.set("k", "twelve bytes");
    HttpResponse<byte[]> head = send("HEAD", "/get/k");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Length")).hasValue("12");
    assertThat(head.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(send("HEAD", "/get/missing").statusCode()).isEqualTo(404);
  }

  @Test
  void keysArePercentDecodedAndValuesAreBinarySafe() throws Exception {
    startProxy(Map.of());
    redis.set("hello world", "spaced");
    redis.set("a/b", "slashed");
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    redis.set(new byte[] {'b', (byte) 0xFF}, binary);
    byte[] large = new byte[5 * 1024 * 1024];
    new Random(1).nextBytes(large);
    redis.set("large".getBytes(StandardCharsets.UTF_8), large);
    assertThat(body(get("/get/hello%20world"))).isEqualTo("spaced");
    assertThat(body(get("/get/a/b"))).isEqualTo("slashed");
    assertThat(get("/get/b%FF").body()).isEqualTo(binary);
    assertThat(get("/get/large").body()).isEqualTo(large);
    assertThat(get("/get/large").body()).as("hit").isEqualTo(large);
  }

  @Test
  void redisDownGives503WithRetryAfterWhileCachedKeysAreServedAndRecovers() throws Exception {
    startProxy(Map.of());
    redis.set("cached", "c");
    assertThat(get("/get/cached").statusCode()).isEqualTo(200);
    redis.kill();
    HttpResponse<byte[]> down = get("/get/uncached");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(body(get("/get/cached"))).isEqualTo("c");
    redis.restart();
    redis.set("uncached", "u");
    int status = 0;
    for (int i = 0; i < 40 && status != 200; i++) {
      status = get("/get/uncached").statusCode();
      if (status != 200) {
        Thread.sleep(50);
      }
    }
    assertThat(status).as("served again after Redis restarted, without restarting the proxy").isEqualTo(200);
  }

  @Test
  void connectionsPastTheLimitAreRefusedUntilOneCloses() throws Exception {
    startProxy(Map.of("MAX_CONNECTIONS", "3"));
    redis.set("k", "v");
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Socket s = new Socket("127.0.0.1", port);
        held.add(s);
        assertThat(rawGet(s, "/get/k")).startsWith("HTTP/1.1 200");
      }
      try (Socket extra = new Socket("127.0.0.1", port)) {
        String reply = rawGet(extra, "/get/k");
        assertThat(reply).startsWith("HTTP/1.1 503").contains("max number of clients reached");
        assertThat(extra.getInputStream().read()).as("refused connection is closed").isEqualTo(-1);
      }
      held.remove(0).close();
      awaitServed();
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private void awaitServed() throws Exception {
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        if (rawGet(s, "/get/k").startsWith("HTTP/1.1 200")) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("a slot was not given back after a connection closed");
  }

  /** Sends one keep-alive request and reads one whole response (headers and a short body). */
  private static String rawGet(Socket s, String path) throws IOException {
    s.setSoTimeout(5000);
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder sb = new StringBuilder();
    int contentLength = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        return sb.toString();
      }
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) {
        for (String line : sb.toString().split("\r\n")) {
          if (line.toLowerCase().startsWith("content-length:")) {
            contentLength = Integer.parseInt(line.substring(15).trim());
          }
        }
        break;
      }
    }
    for (int i = 0; i < contentLength; i++) {
      sb.append((char) in.read());
    }
    return sb.toString();
  }

  @Test
  void drainStopsTheListenerAndLeavesNoConnectionToRedis() throws Exception {
    startProxy(Map.of());
    redis.set("k", "v");
    assertThat(get("/get/k").statusCode()).isEqualTo(200);
    proxy.drain().await();
    assertThat(RedisProcess.listening(port)).isFalse();
    try (var jedis = redis.client()) {
      String clients = jedis.clientList();
      assertThat(clients.lines().count()).as("only this inspecting client remains: %s", clients).isEqualTo(1);
    }
  }
}
