package dev.redisproxy.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The bytes of values one {@link HttpVerticle} instance holds for its clients: bodies handed to a
 * connection that its client has not yet taken, and for each lookup in flight the bytes its answer
 * is expected to bring. A {@code /get/} lookup starts only while they are under {@link #max}; a
 * request that finds no room waits, in arrival order, until written bodies make room.
 *
 * <p>Why: Vert.x's HTTP/1.1 server takes pipelined requests, one at a time, and calls the handler
 * for the next as soon as the previous response is <em>ended</em>, not written; so a client that
 * pipelines GETs of large values and does not read would have them all queued, and so would 2048
 * connections that each read one value of heap/16 slowly. Two rules bound that: a connection whose
 * last body is not yet written has its next request wait for it (one body per connection at a time,
 * at the client's own pace), and all connections together hold at most the budget, which gets, like
 * each RESP instance's, an eighth of the heap split over the {@code 2 × MAX_PARALLEL} front-end
 * instances: 12 MiB per instance at {@code -Xmx192m}, where the cache holds 48 MiB.
 *
 * <p>A value's size is known only when its answer arrives, so each lookup reserves an estimate: the
 * largest value answered since, halving at each smaller answer down to {@link #MIN_ESTIMATE}, and
 * starting at 1 MiB. Small values get thousands of lookups in flight, large ones a few. The budget is
 * crossed by at most one value, or, when values outgrow the estimate, by what the lookups in flight
 * bring beyond it. A value larger than the budget is still served, alone. Waiting is bounded by
 * {@code CLIENT_IDLE_TIMEOUT}: a slow reader sends nothing, so its connection is closed that long
 * after its request, and what it held is given back.
 *
 * <p>A body the kernel takes at once (a client that keeps up) leaves no trace: no map entry and no
 * allocation. One per instance, used on its event loop only.
 */
final class ResponseBudget {

  /** The share of the heap all front ends' replies may hold together: an eighth. */
  static final int HEAP_SHARE = 8;
  static final long MIN_ESTIMATE = 4 * 1024;
  static final long FIRST_ESTIMATE = 1024 * 1024;

  private final long max;
  private long queued;
  private long estimate = FIRST_ESTIMATE;
  // Connections with a body not yet written, and what each holds; usually empty.
  private final Map<HttpConnection, Writing> writing = new HashMap<>();
  // Lookups waiting for room in the budget, oldest first; at most one per connection.
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  // The connection whose response is being ended, and the lookup of the pipelined request that
  // Vert.x hands over from within that end(), before it is known whether the body was written.
  private HttpConnection ending;
  private Runnable endingNext;

  ResponseBudget(long max) {
    this.max = Math.max(1, max);
  }

  /** One instance's part of {@code maxHeap / HEAP_SHARE}: HTTP and RESP each deploy {@code instances}. */
  static ResponseBudget forInstance(long maxHeap, int instances) {
    return new ResponseBudget(maxHeap / HEAP_SHARE / (2L * Math.max(1, instances)));
  }

  long max() {
    return max;
  }

  /** Whether a lookup for {@code conn} may start now: its last body is written and there is room. */
  boolean mayStart(HttpConnection conn) {
    return queued < max && waiting.isEmpty() && conn != ending
        && (writing.isEmpty() || !writing.containsKey(conn));
  }

  /**
   * Runs {@code lookup} once the connection's last body is written and the budget has room (at
   * once if both hold). The lookup must call {@link #reserve} as it starts.
   */
  void admit(HttpConnection conn, Runnable lookup) {
    Writing w = writing.isEmpty() ? null : writing.get(conn);
    if (conn == ending) {
      endingNext = lookup;
    } else if (w != null) {
      w.next = lookup;
    } else if (mayStart(conn)) {
      lookup.run();
    } else {
      waiting.add(lookup);
    }
  }

  /** A lookup starts: reserves what its answer is expected to bring; returns that amount. */
  long reserve() {
    queued += estimate;
    return estimate;
  }

  /**
   * The lookup that reserved {@code reservation} has been answered with {@code bytes} of body: has
   * {@code respond} write the response and counts the body until it is written, so that the
   * connection's next request waits for that.
   */
  void answer(HttpConnection conn, long reservation, long bytes, Supplier<Future<Void>> respond) {
    estimate = Math.max(MIN_ESTIMATE, Math.max(bytes, estimate / 2));
    ending = conn;
    Future<Void> sent;
    try {
      sent = respond.get();
    } finally {
      ending = null;
    }
    Runnable next = endingNext;
    endingNext = null;
    if (bytes > 0 && !sent.isComplete()) {
      queued += bytes;
      Writing w = writing.computeIfAbsent(conn, c -> new Writing());
      w.bytes += bytes;
      w.next = next;
      sent.onComplete(ar -> written(conn, w, bytes));
    } else if (next != null) {
      admit(conn, next);
    }
    release(reservation);
  }

  private void written(HttpConnection conn, Writing w, long bytes) {
    w.bytes -= bytes;
    if (w.bytes == 0 && writing.remove(conn) != null && w.next != null) {
      Runnable next = w.next;
      w.next = null;
      admit(conn, next);
    }
    release(bytes);
  }

  private void release(long bytes) {
    queued -= bytes;
    while (queued < max && !waiting.isEmpty()) {
      waiting.poll().run();
    }
  }

  /** A connection's body being written, and its next lookup, waiting for that. */
  private static final class Writing {
    long bytes;
    Runnable next;
  }
}
