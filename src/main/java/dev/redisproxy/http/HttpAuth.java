package dev.redisproxy.http;

import dev.redisproxy.security.AuthFailures;
import dev.redisproxy.security.Password;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP client authentication when {@code PROXY_PASSWORD} is set: every request carries
 * {@code Authorization: Bearer <password>}, or {@code Basic} with any user name and the password.
 * Each request is checked on its own (one digest and a constant-time compare, see
 * {@link Password}); a connection that offers wrong credentials
 * {@value AuthFailures#MAX_PER_CONNECTION} times is closed. A request without credentials is
 * refused but not counted as a failure: browsers and some clients ask first without them.
 *
 * <p>One instance per {@link HttpVerticle} instance, used on its event loop only.
 */
final class HttpAuth {

  enum Verdict { ALLOWED, MISSING, WRONG, WRONG_AND_CLOSE }

  /** The two schemes the proxy accepts, one {@code WWW-Authenticate} header each. */
  static final List<CharSequence> CHALLENGES = List.of(
      HttpHeaders.createOptimized("Bearer realm=\"redis-proxy\""),
      HttpHeaders.createOptimized("Basic realm=\"redis-proxy\", charset=\"UTF-8\""));

  private final Password.Verifier verifier;
  private final AuthFailures failures;
  // Failed attempts of connections that have failed at least once; an entry leaves when its connection closes.
  private final Map<HttpConnection, Integer> failedAttempts = new HashMap<>();

  HttpAuth(Password password, AuthFailures failures) {
    this.verifier = password.verifier();
    this.failures = failures;
  }

  Verdict check(HttpServerRequest req) {
    String header = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null) {
      return Verdict.MISSING;
    }
    byte[] offered = offeredPassword(header);
    if (offered != null && verifier.matches(offered)) {
      return Verdict.ALLOWED;
    }
    HttpConnection conn = req.connection();
    int attempt = failedAttempts.merge(conn, 1, Integer::sum);
    if (failures.record(req.remoteAddress(), attempt)) {
      failedAttempts.remove(conn);
      return Verdict.WRONG_AND_CLOSE;
    }
    return Verdict.WRONG;
  }

  /** Drops what is known of a connection that closed. */
  void forget(HttpConnection conn) {
    if (!failedAttempts.isEmpty()) {
      failedAttempts.remove(conn);
    }
  }

  /** The password in an Authorization header value, or null when it has none in a scheme the proxy takes. */
  static byte[] offeredPassword(String header) {
    int space = header.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = header.substring(0, space);
    String credentials = header.substring(space + 1).trim();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return credentials.getBytes(StandardCharsets.UTF_8);
    }
    if (!scheme.equalsIgnoreCase("Basic")) {
      return null;
    }
    byte[] userAndPassword;
    try {
      userAndPassword = Base64.getDecoder().decode(credentials);
    } catch (IllegalArgumentException e) {
      return null;
    }
    for (int i = 0; i < userAndPassword.length; i++) {
      if (userAndPassword[i] == ':') {
        return Arrays.copyOfRange(userAndPassword, i + 1, userAndPassword.length);
      }
    }
    return null;
  }
}
