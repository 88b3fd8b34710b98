package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.redisproxy.cache.FakeRedisReader;
import dev.redisproxy.cache.FakeTicker;
import dev.redisproxy.cache.Key;
import dev.redisproxy.testing.Await;
import dev.redisproxy.testing.LogCapture;
import dev.redisproxy.testing.ProxyFixture;
import io.vertx.core.buffer.Buffer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The access log of the HTTP front end, with a fake Redis: on request only, one line per request, no values. */
class AccessLogTest {

  private static final String VALUE = "the-secret-value";

  private final FakeRedisReader redis = new FakeRedisReader();
  @RegisterExtension
  final ProxyFixture fixture = ProxyFixture.withReader(redis, new FakeTicker()).deferred();
  private LogCapture lines;

  @BeforeEach
  void setUp() {
    lines = new LogCapture(AccessLog.LOGGER);
    redis.data.put(Key.of("k"), Buffer.buffer(VALUE));
  }

  @AfterEach
  void tearDown() {
    lines.close();
  }

  private void startProxy(Map<String, String> env) throws Exception {
    fixture.start(env);
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
    Await.until(Duration.ofSeconds(5), n + " access log lines", () -> logged().size() >= n);
  }

  private List<ILoggingEvent> logged() {
    return lines.all();
  }

  private int status(String method, String path) throws Exception {
    return fixture.send(method, path, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
