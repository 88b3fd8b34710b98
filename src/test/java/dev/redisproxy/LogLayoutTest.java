package dev.redisproxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The shipped logback.xml, configured into a private logger context as Main would with
 * {@code LOG_FORMAT}, writing to a captured stdout.
 */
class LogLayoutTest {

  /** A message with what breaks naive JSON: quotes, a backslash, a newline, a tab, non-ASCII. */
  private static final String AWKWARD = "key \"a\\b\"\nnext\tline é ☃";

  @Test
  void jsonFormatWritesOneValidJsonObjectPerLine() throws Exception {
    List<String> lines = logThrough("json");
    assertThat(lines).hasSize(3);
    JsonObject info = new JsonObject(lines.get(0));
    assertThat(info.getString("level")).isEqualTo("INFO");
    assertThat(info.getString("loggerName")).isEqualTo("dev.redisproxy.Test");
    assertThat(info.getString("formattedMessage")).isEqualTo("hello " + AWKWARD);
    assertThat(info.getLong("timestamp")).isPositive();
    JsonObject error = new JsonObject(lines.get(1));
    assertThat(error.getString("level")).isEqualTo("ERROR");
    assertThat(error.getJsonObject("throwable").getString("className")).isEqualTo(IllegalStateException.class.getName());
    assertThat(error.getJsonObject("throwable").getString("message")).isEqualTo("boom");
    JsonObject access = new JsonObject(lines.get(2));
    assertThat(access.getString("loggerName")).isEqualTo("dev.redisproxy.access");
    assertThat(access.getString("formattedMessage")).isEqualTo("GET /get/k 200");
  }

  @Test
  void textFormatIsTheDefaultAndWritesPlainLines() throws Exception {
    List<String> lines = logThrough(null);
    assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\S+ INFO  \\[.+] dev\\.redisproxy\\.Test - hello key .*");
    assertThat(String.join("\n", lines)).doesNotContain("\"level\"").contains("java.lang.IllegalStateException: boom");
  }

  /** Logs an info line, an error with a stack trace and an access line; returns stdout's lines. */
  private static List<String> logThrough(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    if (format != null) {
      context.putProperty("LOG_FORMAT", format);
    }
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogLayoutTest.class.getResource("/logback.xml"));
      Logger log = context.getLogger("dev.redisproxy.Test");
      log.info("hello {}", AWKWARD);
      log.error("failed", new IllegalStateException("boom"));
      context.getLogger("dev.redisproxy.access").info("GET /get/k 200");
      awaitAccessLine(captured);
      context.stop();
    } finally {
      System.setOut(stdout);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /** The access log goes through a queue and another thread: poll until its line is out. */
  private static void awaitAccessLine(ByteArrayOutputStream captured) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    // Not the whole line: JSON may escape its slashes.
    while (!captured.toString(StandardCharsets.UTF_8).contains("GET ")) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the access line was not written within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
