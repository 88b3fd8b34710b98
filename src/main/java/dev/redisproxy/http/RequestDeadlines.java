package dev.redisproxy.http;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code CLIENT_IDLE_TIMEOUT} for clients that do send, but never finish: each connection must
 * deliver its next request within the timeout of connecting or of its previous response, or it is
 * closed. Without this, a slow client keeps a {@code MAX_CONNECTIONS} slot for as long as it likes
 * (slowloris): the read-idle timeout of Vert.x's HTTP server starts over with every part of a
 * request it decodes, so a body sent one byte every few seconds (behind a large
 * {@code Content-Length}, or in one-byte chunks) resets it for ever, even after the response went out.
 *
 * <p>A sweep, not a timer per request, so the fast path pays one map lookup per request: every
 * {@link #sweepEveryMs} the connections whose turn it is (no response being written) and whose turn
 * began more than the timeout ago are closed. A connection whose response is still being prepared
 * (a slow Redis) is left alone; {@code REDIS_TIMEOUT} bounds that. Confined to one front-end
 * instance's event loop, like the connections it tracks.
 */
final class RequestDeadlines {

  private final long timeoutNanos;
  // By identity: connections do not define equality, and an IdentityHashMap keeps its keys and
  // values in one array, so the lookup on each request touches one line less than a HashMap's node.
  private final Map<HttpConnection, Turn> turns = new IdentityHashMap<>();

  RequestDeadlines(long timeoutMs) {
    this.timeoutNanos = timeoutMs * 1_000_000;
  }

  /** How often {@link #sweep} should run: often enough that a deadline is not overrun by much. */
  static long sweepEveryMs(long timeoutMs) {
    return Math.max(10, Math.min(1000, timeoutMs / 4));
  }

  /** A connection has opened: its first request is due within the timeout. */
  void opened(HttpConnection conn) {
    turns.put(conn, new Turn(System.nanoTime()));
  }

  void closed(HttpConnection conn) {
    turns.remove(conn);
  }

  /** A request has arrived whole (its head; the body may follow): the server's turn until it is answered. */
  void requested(HttpServerRequest req) {
    Turn turn = turns.get(req.connection());
    if (turn != null) {
      turn.answering = req;
    }
  }

  /** Closes the connections that have had the floor longer than the timeout without sending a request. */
  void sweep() {
    long now = System.nanoTime();
    for (Iterator<Map.Entry<HttpConnection, Turn>> it = turns.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<HttpConnection, Turn> e = it.next();
      Turn turn = e.getValue();
      if (turn.answering != null) {
        if (!turn.answering.response().ended()) {
          continue;
        }
        // Answered since the last sweep: the client's turn began at most one sweep ago.
        turn.answering = null;
        turn.since = now;
      } else if (now - turn.since >= timeoutNanos) {
        // Read before the removal: an IdentityHashMap entry is a view that is gone once removed.
        HttpConnection conn = e.getKey();
        it.remove();
        conn.close();
      }
    }
  }

  /** Whose turn it is on one connection. */
  private static final class Turn {
    // The request being answered; null when the connection waits for the client's next request.
    HttpServerRequest answering;
    // When the client's turn began: the connection opened, or a sweep saw the last response done.
    long since;

    Turn(long since) {
      this.since = since;
    }
  }
}
