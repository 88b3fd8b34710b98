package dev.redisproxy.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ACCESS_LOG=true}: one line per HTTP request on the logger {@value #LOGGER}, when its
 * response has been written:
 * <pre>127.0.0.1:50412 "GET /get/greeting" 200 5 0.412ms HIT</pre>
 * remote address, method and path as sent (keys appear, percent-encoded; values never do),
 * status, body bytes, time from request to response, and {@code X-Cache} ({@code -} when none).
 * The same figures go along as key-value pairs, which the JSON layout writes as fields. When
 * the access log is off nothing here runs.
 */
final class AccessLog {

  static final String LOGGER = "dev.redisproxy.access";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  /** Longer paths are cut: a log line stays a line. */
  private static final int MAX_PATH = 256;

  private AccessLog() {
  }

  /**
   * Logs the request once its response is written. Uses the response's end handler: nothing
   * else may set it (vertx-web does only when a route calls {@code addEndHandler}; ours do not).
   */
  static void track(HttpServerRequest req) {
    long start = System.nanoTime();
    HttpServerResponse res = req.response();
    res.endHandler(v -> log(req, res, System.nanoTime() - start));
  }

  private static void log(HttpServerRequest req, HttpServerResponse res, long nanos) {
    String remote = String.valueOf(req.remoteAddress());
    String method = req.method().name();
    String path = printable(req.path());
    int status = res.getStatusCode();
    long bytes = res.bytesWritten();
    String millis = String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    String cache = Objects.requireNonNullElse(res.headers().get("X-Cache"), "-");
    LOG.atInfo()
        .addKeyValue("remote", remote).addKeyValue("method", method).addKeyValue("path", path)
        .addKeyValue("status", status).addKeyValue("bytes", bytes).addKeyValue("ms", millis)
        .addKeyValue("cache", cache)
        .log("{} \"{} {}\" {} {} {}ms {}", remote, method, path, status, bytes, millis, cache);
  }

  /** The path with anything outside printable ASCII percent-encoded, cut at {@link #MAX_PATH}. */
  static String printable(String path) {
    StringBuilder sb = new StringBuilder(Math.min(path.length(), MAX_PATH) + 8);
    int i = 0;
    for (; i < path.length() && sb.length() < MAX_PATH; i++) {
      char c = path.charAt(i);
      if (c > 0x20 && c < 0x7f && c != '"') {
        sb.append(c);
      } else {
        sb.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
      }
    }
    return i < path.length() ? sb.append("...").toString() : sb.toString();
  }
}
