package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.Response;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The one place that sorts what vertx-redis-client fails with into a {@link Failure}, by type, the same
 * way in every mode (the readers call it at their edge): error
 * replies to a read's commands are {@link Failure#REDIS_ERROR}, anything that kept the read from reaching a
 * working connection is {@link Failure#UNAVAILABLE}, a full queue is {@link Failure#OVERLOADED}.
 * Messages come out on one line: Sentinel and Cluster list one failure per endpoint, one per line.
 */
final class RedisFailures {

  /** Failures that retrying will not fix: an operator has to change the configuration or Redis. */
  enum Problem {
    CREDENTIALS("Redis refused the proxy's credentials", true,
        "REDIS_URL or REDIS_USER/REDIS_PASSWORD, and the user's ACL"),
    SET_UP("Redis refused the connection set-up", true,
        "the user's ACL (SELECT for a database in REDIS_URL; CLUSTER SLOTS in Cluster mode)"
            + " and the database number"),
    TLS("TLS handshake with Redis failed", false,
        "REDIS_TLS_CA, REDIS_TLS_CERT/REDIS_TLS_KEY, and that the certificate names the host");

    /** Starts the failure's message. */
    final String summary;
    /** Whether Redis refused a connection it accepted: vertx-redis-client then leaves the socket open. */
    final boolean refusal;
    /** What the operator should look at, for the log. */
    final String check;

    Problem(String summary, boolean refusal, String check) {
      this.summary = summary;
      this.refusal = refusal;
      this.check = check;
    }
  }

  /**
   * Error replies that say "not now" rather than "not this": the client should retry, as after a
   * 503. {@code CONNECTION_CLOSED} is not from Redis: vertx-redis-client fails the requests pending
   * on a dropped connection (Redis killed or restarted) with it, shaped like an error reply.
   */
  private static final Set<String> TRANSIENT_ERRORS =
      Set.of("LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "CONNECTION_CLOSED");
  /** Refused credentials, also inside a "cannot connect to any of the endpoints" list. */
  private static final Pattern CREDENTIALS_ERROR = Pattern.compile("\\b(WRONGPASS|NOAUTH)\\b|ERR invalid password");
  /**
   * Other refusals of the handshake: an ACL without a command it needs (SELECT, CLUSTER SLOTS), a bad
   * database. Not the commands of a read ({@link ValueRead}): refused, they are that read's error reply.
   */
  private static final Pattern SET_UP_ERROR =
      Pattern.compile("\\bNOPERM\\b.*'(?!(get|getrange|pttl|strlen)')[a-z|]+' command|\\bERR (invalid )?DB index");

  private RedisFailures() {
  }

  /**
   * The failure as a {@link LookupException} with a one-line message. Out of memory (any
   * {@link VirtualMachineError}) is no Redis failure: it is thrown on, to end the process.
   */
  static LookupException classify(Throwable t) {
    if (t instanceof LookupException re) {
      return re;
    }
    if (t instanceof VirtualMachineError fatal) {
      throw fatal;
    }
    String message = oneLine(t);
    Problem problem = problemOf(t);
    if (problem != null) {
      String detail = problem == Problem.TLS ? oneLine(deepestCause(t)) : message;
      return new LookupException(Failure.UNAVAILABLE, problem.summary + ": " + detail);
    }
    // The pool's wait queue (REDIS_POOL_WAITING) is full. A full pipeline never gets here:
    // PipelinedRedis keeps to its depth itself.
    if (t instanceof ConnectionPoolTooBusyException) {
      return new LookupException(Failure.OVERLOADED, "too many reads waiting for Redis: " + message);
    }
    if (t instanceof Response) {
      return errorReply(message);
    }
    return new LookupException(Failure.UNAVAILABLE, message);
  }

  /** An error reply from Redis itself: WRONGTYPE, NOPERM on the key, ... or a transient state of the server. */
  static LookupException errorReply(String message) {
    String code = message.split(" ", 2)[0];
    return new LookupException(TRANSIENT_ERRORS.contains(code) ? Failure.UNAVAILABLE : Failure.REDIS_ERROR, message);
  }

  /** The operator-facing problem behind a failure, or null for the ordinary ones. */
  static Problem problemOf(Throwable t) {
    if (t instanceof LookupException) {
      return null;
    }
    String message = oneLine(t);
    if (CREDENTIALS_ERROR.matcher(message).find()) {
      return Problem.CREDENTIALS;
    }
    if (SET_UP_ERROR.matcher(message).find()) {
      return Problem.SET_UP;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException) {
        return Problem.TLS;
      }
    }
    // Sentinel and Cluster report a failed endpoint as text only.
    return message.contains("javax.net.ssl.") ? Problem.TLS : null;
  }

  /** Vert.x reports "Failed to create SSL connection"; the reason (untrusted, wrong name) is further down. */
  private static Throwable deepestCause(Throwable t) {
    Throwable deepest = t;
    for (Throwable c = t.getCause(); c != null && c != deepest; c = c.getCause()) {
      if (c.getMessage() != null) {
        deepest = c;
      }
    }
    return deepest;
  }

  private static String oneLine(Throwable t) {
    Throwable root = t;
    while (root.getMessage() == null && root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replace("\n- ", "; ").replace('\n', ' ').replace('\r', ' ').trim();
  }
}
