package dev.redisproxy.e2e;

import dev.redisproxy.testing.RawHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP requests to one proxy through {@link HttpClient}, over HTTP/1.1 only. */
public final class ProxyClient {

  /** Generous bound on one HTTP exchange: a deadline against hangs, not a performance goal. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final String host;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(REQUEST_TIMEOUT)
      .build();

  public ProxyClient(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** A client for a proxy on the loopback interface. */
  public ProxyClient(int port) {
    this("127.0.0.1", port);
  }

  /** {@code GET /get/<key>}, the key percent-encoded as UTF-8. */
  public Reply get(String key) throws IOException, InterruptedException {
    return get(key.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code GET /get/<key>} for a binary key, bytes percent-encoded as needed. */
  public Reply get(byte[] key) throws IOException, InterruptedException {
    return send("GET", path(key), null);
  }

  /** The request path for a key. */
  public static String path(byte[] key) {
    return "/get/" + PathEncoding.encode(key);
  }

  public static String path(String key) {
    return path(key.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * One request; {@code rawPath} must be a valid URI path (use {@link RawHttp} for malformed
   * ones). {@code body} may be null.
   */
  public Reply send(String method, String rawPath, byte[] body) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri(rawPath))
        .timeout(REQUEST_TIMEOUT)
        .method(method, body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(response.statusCode(), response.headers(), response.body());
  }

  public URI uri(String rawPath) {
    return URI.create("http://" + host + ":" + port + rawPath);
  }

  /** A new raw connection to the proxy's HTTP port; the caller closes it. */
  public RawHttp connect() throws IOException {
    return RawHttp.connect(host, port);
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }
}
