package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Neither the configured password nor a wrong one a client offers ever shows up in a log line
 * (every logger, down to DEBUG for the proxy's own) or in a reply, through every way of
 * authenticating, failing and being closed, over HTTP and RESP.
 */
class SecretLeakIT {

  private static final String SECRET = "leak-check-s3cret-4f2a";
  private static final String WRONG = "wrong-guess-9b7c";

  private final List<String> replies = new ArrayList<>();

  @Test
  void passwordsNeverAppearInLogsOrReplies() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    Logger ours = (Logger) LoggerFactory.getLogger("dev.redisproxy");
    Level oursBefore = ours.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    ours.setLevel(Level.DEBUG);
    try (ProxyFixture proxy = ProxyFixture.withRedis().withResp().with(Map.of("PROXY_PASSWORD", SECRET)).start()) {
      proxy.redis().set("k", "v");
      replies.add(proxy.config().toString());
      replies.add(proxy.config().describe().toString());
      overHttp(proxy);
      overResp(proxy);
    } finally {
      root.detachAppender(logs);
      ours.setLevel(oursBefore);
    }

    for (String secret : forms(SECRET, WRONG)) {
      assertThat(replies).as("replies").noneMatch(r -> r.contains(secret));
      for (ILoggingEvent e : logs.list) {
        String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
        assertThat(text).as("log line of %s", e.getLoggerName()).doesNotContain(secret);
      }
    }
    assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).startsWith("http client 127.0.0.1:").contains("failed to authenticate (1 of 3"))
        .anySatisfy(m -> assertThat(m).startsWith("resp client 127.0.0.1:").contains("(3 of 3 attempts on this connection; closing it)"));
  }

  private void overHttp(ProxyFixture proxy) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (String auth : new String[] {"Bearer " + WRONG, HttpAuthIT.basic("someone", WRONG), null, "Bearer " + SECRET,
        "Bearer " + WRONG, "Bearer " + WRONG}) {
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/get/k"));
      if (auth != null) {
        req.header("Authorization", auth);
      }
      HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      replies.add(res.statusCode() + " " + res.headers().map() + " " + res.body());
    }
  }

  private void overResp(ProxyFixture proxy) throws Exception {
    try (RawConnection conn = RawConnection.plain(proxy.respPort())) {
      replies.add(conn.command("GET", SECRET));
      replies.add(conn.command("FOO", WRONG));
      replies.add(conn.command("AUTH", WRONG));
      replies.add(conn.command("AUTH", "default", WRONG));
      replies.add(conn.command("HELLO", "2", "AUTH", "default", WRONG));
      replies.add(new String(conn.readToEnd(), StandardCharsets.UTF_8));
    }
    try (RawConnection conn = RawConnection.plain(proxy.respPort())) {
      replies.add(conn.command("AUTH", SECRET));
      replies.add(conn.command("HELLO", "2", "AUTH", "default", SECRET));
      replies.add(conn.send("*2\r\n$4\r\nAUTH\r\n$x" + SECRET + "\r\n").line());
    }
  }

  /** The secrets as written, and as an HTTP Basic header or a hex dump would carry them. */
  private static List<String> forms(String... secrets) {
    List<String> forms = new ArrayList<>();
    for (String s : secrets) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      forms.add(s);
      forms.add(HexFormat.of().formatHex(bytes));
      forms.add(Base64.getEncoder().encodeToString(("someone:" + s).getBytes(StandardCharsets.UTF_8)));
    }
    return forms;
  }
}
