package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.redisproxy.ProxyVerticle;
import dev.redisproxy.cache.FakeRedisReader;
import dev.redisproxy.cache.FakeTicker;
import dev.redisproxy.cache.Key;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.testing.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The access log of the HTTP front end, with a fake Redis: on request only, one line per request, no values. */
class AccessLogTest {

  private static final String VALUE = "the-secret-value";

  private final FakeRedisReader redis = new FakeRedisReader();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Vertx vertx;
  private int port;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    lines.start();
    accessLogger().addAppender(lines);
    redis.data.put(Key.of("k"), Buffer.buffer(VALUE));
  }

  @AfterEach
  void tearDown() {
    accessLogger().detachAppender(lines);
    vertx.close().await();
  }

  private static Logger accessLogger() {
    return (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
  }

  private void startProxy(Map<String, String> env) throws Exception {
    port = RedisProcess.freePort();
    Map<String, String> all = new HashMap<>(Map.of("PROXY_PORT", Integer.toString(port), "RESP_PORT", "0"));
    all.putAll(env);
    vertx.deployVerticle(new ProxyVerticle(ConfigLoader.load(null, all), v -> redis, new FakeTicker())).await();
  }

  @Test
  void offByDefault() throws Exception {
    startProxy(Map.of());
    assertThat(status("GET", "/get/k")).isEqualTo(200);
    assertThat(status("GET", "/nowhere")).isEqualTo(404);
    assertThat(logged()).isEmpty();
  }

  @Test
  void oneLinePerRequestWithStatusAndCacheOutcomeButNeverTheValue() throws Exception {
    startProxy(Map.of("ACCESS_LOG", "true"));
    assertThat(status("GET", "/get/k")).isEqualTo(200);
    assertThat(status("GET", "/get/k")).isEqualTo(200);
    assertThat(status("HEAD", "/get/missing")).isEqualTo(404);
    assertThat(status("DELETE", "/cache/k")).isEqualTo(204);
    assertThat(status("GET", "/health/live")).isEqualTo(200);
    awaitLines(5);
    List<String> messages = logged().stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(messages).hasSize(5);
    assertThat(messages.get(0)).matches("127\\.0\\.0\\.1:\\d+ \"GET /get/k\" 200 16 \\d+\\.\\d{3}ms MISS");
    assertThat(messages.get(1)).matches("127\\.0\\.0\\.1:\\d+ \"GET /get/k\" 200 16 \\d+\\.\\d{3}ms HIT");
    assertThat(messages.get(2)).matches(".* \"HEAD /get/missing\" 404 0 .*ms -");
    assertThat(messages.get(3)).matches(".* \"DELETE /cache/k\" 204 0 .*ms -");
    assertThat(messages.get(4)).matches(".* \"GET /health/live\" 200 \\d+ .*ms -");
    assertThat(String.join("\n", messages)).doesNotContain(VALUE);
    assertThat(logged().get(0).getKeyValuePairs()).extracting(kv -> kv.key + "=" + kv.value)
        .contains("method=GET", "path=/get/k", "status=200", "bytes=16", "cache=MISS");
  }

  @Test
  void pathsAreLoggedPrintableAndBounded() {
    assertThat(AccessLog.printable("/get/a%20b")).isEqualTo("/get/a%20b");
    assertThat(AccessLog.printable("/get/\"x\"\u001b[31m")).isEqualTo("/get/%22x%22%1B[31m");
    assertThat(AccessLog.printable("/get/" + "k".repeat(1000))).hasSize(256 + 3).endsWith("...");
  }

  /** The line is logged as the response is written, so the client may see the response first: poll. */
  private void awaitLines(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (logged().size() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private List<ILoggingEvent> logged() {
    synchronized (lines) {
      return new ArrayList<>(lines.list);
    }
  }

  private int status(String method, String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
    return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
