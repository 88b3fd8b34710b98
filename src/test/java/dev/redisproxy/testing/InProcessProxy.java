package dev.redisproxy.testing;

import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.Ticker;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.redis.VertxRedisReader;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The whole proxy in-process (HTTP front end only) on a free port, configured like the environment would. */
public final class InProcessProxy implements AutoCloseable {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Vertx vertx = Vertx.vertx();
  private final int port;

  private InProcessProxy(Map<String, String> env) throws IOException {
    port = RedisProcess.freePort();
    Map<String, String> all = new HashMap<>(Map.of(
        "PROXY_PORT", Integer.toString(port), "RESP_PORT", "0", "REDIS_TIMEOUT", "2s"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    vertx.deployVerticle(new ProxyVerticle(config, v -> VertxRedisReader.create(v, config), Ticker.system())).await();
  }

  /** Starts the proxy; {@code env} names the Redis deployment and overrides the test defaults. */
  public static InProcessProxy start(Map<String, String> env) throws IOException {
    return new InProcessProxy(env);
  }

  /** {@code GET /get/<key>}, the body as UTF-8 text. */
  public HttpResponse<String> get(String key) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/get/"
            + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20")))
        .timeout(Duration.ofSeconds(30)).build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
