package dev.redisproxy.http;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupReply;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.metrics.WriteFailures;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * What the HTTP front end answers, and the count of it: a value with its cache headers, a failure
 * as its status, or a short text. One per {@link HttpVerticle} instance, on its event loop; every
 * response it writes is counted by status in {@code redis_proxy_requests_total{frontend="http"}}.
 * Header names and values are made once, so a hit allocates none.
 */
final class Responses {

  /** Every status the front end answers with; each gets its counter before the first request. */
  private static final int[] STATUSES = {200, 400, 401, 403, 404, 405, 502, 503};
  private static final CharSequence OCTET_STREAM = HttpHeaders.createOptimized("application/octet-stream");
  private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
  private static final CharSequence HIT = HttpHeaders.createOptimized("HIT");
  private static final CharSequence MISS = HttpHeaders.createOptimized("MISS");
  private static final CharSequence STALE = HttpHeaders.createOptimized("STALE");
  /** RFC 9111 §5.1, on every response served from the cache: whole seconds since the value was read from Redis. */
  private static final CharSequence AGE = HttpHeaders.createOptimized("Age");
  // The Age values of the first minutes, made once, so that a hit allocates no header value.
  private static final CharSequence[] AGES = new CharSequence[600];
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
  private static final CharSequence ONE_SECOND = HttpHeaders.createOptimized("1");

  static {
    for (int i = 0; i < AGES.length; i++) {
      AGES[i] = HttpHeaders.createOptimized(Integer.toString(i));
    }
  }

  // By status code; null for codes not in STATUSES.
  private final Counter[] byStatus = new Counter[600];

  Responses(ProxyMetrics metrics) {
    for (int status : STATUSES) {
      byStatus[status] = metrics.requests("http", Integer.toString(status));
    }
  }

  /**
   * The cache's answer to a {@code /get/} request: the value, 404, or the failure's status.
   *
   * @return completes once the response is written
   */
  Future<Void> lookup(HttpServerRequest req, LookupReply reply) {
    if (reply.isFailed()) {
      return failure(req, reply.failure(), reply.message());
    } else if (reply.value() == null) {
      return text(req, 404, "not found");
    } else {
      return value(req, reply);
    }
  }

  /** The bytes of value the answer to {@code req} puts in its response body. */
  static long bodyBytes(HttpServerRequest req, LookupReply reply) {
    if (reply.isFailed() || reply.value() == null || req.method() == HttpMethod.HEAD) {
      return 0;
    }
    return reply.value().length();
  }

  private Future<Void> value(HttpServerRequest req, LookupReply reply) {
    HttpServerResponse res = req.response();
    count(200);
    if (res.closed()) {
      return Future.succeededFuture();
    }
    res.putHeader(HttpHeaders.CONTENT_TYPE, OCTET_STREAM);
    switch (reply.outcome()) {
      case HIT -> res.putHeader(X_CACHE, HIT).putHeader(AGE, age(reply.age()));
      case STALE -> res.putHeader(X_CACHE, STALE).putHeader(AGE, age(reply.age()));
      default -> res.putHeader(X_CACHE, MISS);
    }
    if (req.method() == HttpMethod.HEAD) {
      return ended(req, res.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(reply.value().length())).end());
    }
    return ended(req, res.end(reply.value()));
  }

  private static CharSequence age(int seconds) {
    return seconds < AGES.length ? AGES[seconds] : Integer.toString(seconds);
  }

  /** 502 for what Redis (or the value) is, 503 with {@code Retry-After} for what may pass. */
  private Future<Void> failure(HttpServerRequest req, Failure failure, String message) {
    if (failure == Failure.REDIS_ERROR) {
      return text(req, 502, "Redis error: " + message);
    }
    if (failure == Failure.TOO_LARGE) {
      return text(req, 502, message);
    }
    return unavailable(req, failure == Failure.TIMEOUT ? "Redis timed out" : "Redis unavailable: " + message);
  }

  /** 503 with {@code Retry-After: 1}. */
  Future<Void> unavailable(HttpServerRequest req, String text) {
    req.response().putHeader(RETRY_AFTER, ONE_SECOND);
    return text(req, 503, text);
  }

  /** A short text body (none for HEAD) with the status. */
  Future<Void> text(HttpServerRequest req, int status, String text) {
    count(status);
    HttpServerResponse res = req.response();
    if (res.closed()) {
      return Future.succeededFuture();
    }
    res.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN);
    if (req.method() == HttpMethod.HEAD) {
      return ended(req, res.end());
    }
    return ended(req, res.end(text + "\n"));
  }

  /**
   * A response the connection could not write ends the connection. Netty writes a response's head
   * and body as two messages, and the body can fail alone (the socket's copy of a large body into
   * direct memory, when that has run out): the client would have a head promising a body it never
   * gets, and would read the next response as that body. Closing is the one answer that cannot
   * hand it wrong bytes: a value's answer comes in a later turn, after the close. What could still
   * slip in before it is a response that Vert.x's pipelining has answered within the same turn (an
   * error text, an ops route); next to the large bodies whose copy runs direct memory out it is
   * short, so the client meets the end of the stream before the body it was promised.
   */
  private static Future<Void> ended(HttpServerRequest req, Future<Void> written) {
    written.onFailure(err -> {
      WriteFailures.report("HTTP", err);
      req.connection().close();
    });
    return written;
  }

  private void count(int status) {
    Counter counter = byStatus[status];
    if (counter != null) {
      counter.increment();
    }
  }
}
