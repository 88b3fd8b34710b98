package dev.redisproxy.resp;

import dev.redisproxy.security.AuthFailures;
import dev.redisproxy.security.Password;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * RESP client authentication when {@code PROXY_PASSWORD} is set, as Redis does it with
 * {@code requirepass}: a connection starts unauthenticated and may only send {@code AUTH},
 * {@code HELLO} (with {@code AUTH}) and {@code QUIT}; everything else gets {@code -NOAUTH}. The
 * user is {@code default} (or left out); a failed attempt leaves an authenticated connection
 * authenticated, as in Redis. Unlike Redis, the {@value AuthFailures#MAX_PER_CONNECTION}th
 * failure on a connection closes it. Error texts are Redis's own.
 *
 * <p>One instance per {@link RespVerticle} instance, used on its event loop only.
 */
final class RespAuth {

  /** What an unauthenticated connection may send. */
  static final Set<String> OPEN_COMMANDS = Set.of("auth", "hello", "quit");
  static final Buffer NOAUTH = RespEncoder.error("NOAUTH Authentication required.");
  static final Buffer WRONGPASS =
      RespEncoder.error("WRONGPASS invalid username-password pair or user is disabled.");
  /** Redis 7.0's answer to HELLO without AUTH on an unauthenticated connection. */
  static final Buffer HELLO_NOAUTH = RespEncoder.error("NOAUTH HELLO must be called with the client already"
      + " authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client"
      + " and select the RESP protocol version at the same time");

  private static final byte[] DEFAULT_USER = "default".getBytes(StandardCharsets.US_ASCII);

  private final Password.Verifier verifier;
  private final AuthFailures failures;

  RespAuth(Password password, AuthFailures failures) {
    this.verifier = password.verifier();
    this.failures = failures;
  }

  /**
   * Checks {@code AUTH [user] password} or {@code HELLO ... AUTH user password}; {@code user} is
   * null when not given. True: the connection is now authenticated. False: a failure was counted
   * and logged, and after too many the connection will close once its replies are written; the
   * caller replies {@link #WRONGPASS}.
   */
  boolean attempt(byte[] user, byte[] password, ConnectionState conn) {
    // Both checks always run (&, not &&), so the time taken does not tell which one failed.
    boolean ok = verifier.matches(password) & (user == null || Arrays.equals(user, DEFAULT_USER));
    if (ok) {
      conn.authenticated(true);
      return true;
    }
    if (failures.record(conn.remoteAddress(), conn.authFailed())) {
      conn.closeAfterReplies();
    }
    return false;
  }
}
