package dev.redisproxy.e2e;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;

/**
 * A response as {@link java.net.http.HttpClient} delivered it, with a {@link #toString} that
 * makes assertion failures readable.
 */
public record Reply(int status, HttpHeaders headers, byte[] body) {

  /** The first value of the header (names are case-insensitive), or null. */
  public String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  public String xCache() {
    return header("X-Cache");
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    String preview = body.length <= 80 ? text() : new String(body, 0, 80, StandardCharsets.UTF_8) + "...";
    return status + " " + headers.map() + " body(" + body.length + ")=" + preview;
  }
}
