package dev.redisproxy.http;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * The bytes of values one {@link HttpVerticle} instance holds for its clients: bodies handed to a
 * connection that its client has not yet taken, and for each lookup in flight the bytes its answer
 * is expected to bring. A {@code /get/} lookup starts only while they are under {@link #max}; a
 * request that finds no room waits, in arrival order, until written bodies make room.
 *
 * <p>Why not per connection alone: Vert.x's HTTP/1.1 server already bounds one connection. It
 * hands a pipelined request to the handler only once the previous response has gone into the
 * channel, which it does only while the channel is under its write mark (64 KiB); so a client that
 * pipelines GETs and does not read holds at most two bodies, one in the channel and one queued
 * behind it. But 2048 connections ({@code MAX_CONNECTIONS}) that each read one value of heap/16
 * slowly would hold 128 heaps. So all connections of an instance together hold at most the budget,
 * which gets, like each RESP instance's, an eighth of the heap split over the
 * {@code 2 × MAX_PARALLEL} front-end instances: 12 MiB per instance at {@code -Xmx192m}, where the
 * cache holds 48 MiB.
 *
 * <p>A value's size is known only when its answer arrives, so each lookup reserves an estimate: the
 * largest value answered since, halving at each smaller answer down to {@link #MIN_ESTIMATE}, and
 * starting at an eighth of the budget ({@link #FIRST_SHARE}): eight lookups go before any
 * answer, so concurrent misses of a cold proxy, or of a stalled Redis, are not served one by one,
 * while a cold burst of large values overshoots by at most eight of them (from a fixed 1 MiB, 48
 * reads of 4 MiB values overshot a 12 MiB budget fourfold and had a 192 MiB heap collecting garbage
 * for seconds; with sixteen, two instances' cold bursts of 4 MiB bodies for clients that did not
 * read ran a 192 MiB direct-memory limit out, see below).
 *
 * <p>What the bound also bounds: a body handed to the connection lives in direct memory until the
 * kernel takes it (the socket copies a heap buffer into direct memory as it writes), and the JVM's
 * direct-memory limit, {@code -XX:MaxDirectMemorySize}, is the heap's size unless set. A write that
 * finds it spent fails, and {@link Responses} then closes the connection. Small values get thousands of lookups in flight after a few answers, large ones a
 * few. The budget is
 * crossed by at most one value, or, when values outgrow the estimate, by what the lookups in flight
 * bring beyond it. A value larger than the budget is still served, alone. While slow readers hold
 * the budget, other requests for values wait: slow readers give it back as they read, or when
 * {@code CLIENT_IDLE_TIMEOUT} closes them (a slow reader sends nothing), so waits end within that.
 *
 * <p>A body the kernel takes at once (a client that keeps up) costs two additions. One per
 * instance, used on its event loop only.
 */
final class ResponseBudget {

  /** The share of the heap all front ends' replies may hold together: an eighth. */
  static final int HEAP_SHARE = 8;
  static final long MIN_ESTIMATE = 4 * 1024;
  /** Before any answer, a lookup reserves this share of the budget. */
  static final int FIRST_SHARE = 8;

  private final long max;
  private long queued;
  // Where the count is published for the metrics after each change.
  private LongConsumer published = bytes -> { };
  private long estimate;
  // Lookups waiting for room in the budget, oldest first; at most one per connection.
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

  ResponseBudget(long max) {
    this.max = Math.max(1, max);
    this.estimate = Math.max(MIN_ESTIMATE, this.max / FIRST_SHARE);
  }

  /** One instance's part of {@code maxHeap / HEAP_SHARE}: HTTP and RESP each deploy {@code instances}. */
  static ResponseBudget forInstance(long maxHeap, int instances) {
    return new ResponseBudget(maxHeap / HEAP_SHARE / (2L * Math.max(1, instances)));
  }

  long max() {
    return max;
  }

  /** Publishes the count (for the metrics) each time it changes. */
  void publishTo(LongConsumer consumer) {
    published = consumer;
    consumer.accept(queued);
  }

  /** Whether a lookup may start now: room in the budget, and no earlier request waiting for it. */
  boolean mayStart() {
    return queued < max && waiting.isEmpty();
  }

  /** Runs {@code lookup} once the budget has room; it must call {@link #reserve} as it starts. */
  void await(Runnable lookup) {
    waiting.add(lookup);
  }

  /** A lookup starts: reserves what its answer is expected to bring; returns that amount. */
  long reserve() {
    queued += estimate;
    published.accept(queued);
    return estimate;
  }

  /**
   * The lookup that reserved {@code reservation} was answered with {@code bytes} of body, which
   * {@code sent} completes once written: the body counts until then.
   */
  void answered(long reservation, long bytes, Future<Void> sent) {
    estimate = Math.max(MIN_ESTIMATE, Math.max(bytes, estimate / 2));
    if (bytes > 0 && !sent.isComplete()) {
      queued += bytes;
      published.accept(queued);
      sent.onComplete(ar -> release(bytes));
    }
    release(reservation);
  }

  private void release(long bytes) {
    queued -= bytes;
    published.accept(queued);
    while (queued < max && !waiting.isEmpty()) {
      waiting.poll().run();
    }
  }
}
