package dev.redisproxy.testing;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The whole proxy in-process (HTTP front end only) on a free port, in front of a Redis deployment
 * the test runs itself (a cluster, Sentinels, TLS): a {@link ProxyFixture} without a Redis
 * process of its own, under the names the Redis-deployment tests use.
 */
public final class InProcessProxy implements AutoCloseable {

  private final ProxyFixture fixture;

  private InProcessProxy(ProxyFixture fixture) {
    this.fixture = fixture;
  }

  /** Starts the proxy; {@code env} names the Redis deployment and overrides the test defaults. */
  public static InProcessProxy start(Map<String, String> env) throws IOException {
    try {
      return new InProcessProxy(ProxyFixture.withoutRedis().with("REDIS_TIMEOUT", "2s").with(env).start());
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("proxy did not start", e);
    }
  }

  /** {@code GET /get/<key>}, the body as UTF-8 text. */
  public HttpResponse<String> get(String key) throws IOException, InterruptedException {
    String path = "/get/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    return fixture.send("GET", path, HttpResponse.BodyHandlers.ofString());
  }

  /** The HTTP port, for requests other than {@link #get} ({@code /metrics}, say). */
  public int port() {
    return fixture.httpPort();
  }

  @Override
  public void close() {
    try {
      fixture.close();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("proxy did not stop cleanly", e);
    }
  }
}
