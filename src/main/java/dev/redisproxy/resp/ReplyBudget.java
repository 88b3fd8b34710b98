package dev.redisproxy.resp;

import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * The bytes of replies that one {@link RespVerticle} instance holds for its clients: values answered
 * and not yet written, batches handed to the sockets that the kernel has not taken yet, and what
 * the lookups in flight are expected to bring ({@link ReplyBytes}). While they reach {@link #max},
 * no connection of the instance takes a new command or sends a lookup; the connections that
 * stopped for it are woken when written bytes bring the sum under it again.
 *
 * <p>Why a bound over all connections and not only one per connection: a connection stops at
 * {@link ReplyBytes#MAX_QUEUED_BYTES} (1 MiB), but {@code MAX_CONNECTIONS} (2048 by default) of
 * them could hold 2 GiB, and a slow client that sends one GET of a large value and then reads
 * slowly holds that value whatever the per-connection bound. The heap share left after
 * {@code CACHE_MAXMEMORY} (a quarter) and the reads from Redis is what the other three quarters
 * have room for: the replies of all front ends together get an eighth of the heap, split evenly
 * over the {@code 2 × MAX_PARALLEL} front-end instances ({@link #forInstance}). At {@code -Xmx192m}
 * that is 12 MiB per instance, 24 MiB in all, against 48 MiB of cache.
 *
 * <p>The bound is checked before a lookup is sent, so it is crossed by one value, or, when values
 * outgrow what the lookups in flight reserved, by what they bring beyond it. While it is spent,
 * slow readers give it back as they read, or when {@code CLIENT_IDLE_TIMEOUT} closes them (the
 * proxy reads nothing from a paused connection). A value larger than the budget is still served,
 * alone. A cached value a reply holds is the cache's
 * buffer, not a copy, so hits cost the heap nothing beyond the cache until it evicts them.
 *
 * <p>One per instance, used on its event loop only, like the connections it counts.
 */
final class ReplyBudget {

  /** The share of the heap all front ends' replies may hold together: an eighth. */
  static final int HEAP_SHARE = 8;
  /** Before any answer, a first lookup reserves this share of the budget: eight may go at once. */
  static final int FIRST_SHARE = 8;

  private final long max;
  private long queued;
  // Where the count is published for the metrics after each change.
  private LongConsumer published = bytes -> { };
  // What a fresh connection's first lookup reserves: the largest value answered on any connection
  // since, halving at each smaller one. An eighth of the budget before any answer: concurrent misses
  // of a cold proxy (or of a stalled Redis) are not served one by one, and a burst of new connections
  // fetching large values overshoots the budget by at most eight of them.
  private long estimate;
  // Wake-ups of connections that stopped taking commands for this budget; each is there at most once.
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

  ReplyBudget(long max) {
    this.max = Math.max(1, max);
    this.estimate = Math.max(1, this.max / FIRST_SHARE);
  }

  /** One instance's part of {@code maxHeap / HEAP_SHARE}: HTTP and RESP each deploy {@code instances}. */
  static ReplyBudget forInstance(long maxHeap, int instances) {
    return new ReplyBudget(maxHeap / HEAP_SHARE / (2L * Math.max(1, instances)));
  }

  long max() {
    return max;
  }

  /** What a fresh connection's first lookup should reserve (at least its own first estimate). */
  long estimate() {
    return estimate;
  }

  /** An answer on any connection brought {@code bytes}. */
  void observed(long bytes) {
    estimate = Math.max(bytes, estimate / 2);
  }

  /** Bytes held now, over every connection of the instance. */
  long queued() {
    return queued;
  }

  /** Publishes the count (for the metrics) each time it changes. */
  void publishTo(LongConsumer consumer) {
    published = consumer;
    consumer.accept(queued);
  }

  boolean hasRoom() {
    return queued < max;
  }

  void add(long bytes) {
    queued += bytes;
    published.accept(queued);
  }

  /** Gives bytes back; when that makes room, every waiting connection is woken once. */
  void release(long bytes) {
    queued -= bytes;
    published.accept(queued);
    while (queued < max && !waiting.isEmpty()) {
      waiting.poll().run();
    }
  }

  /** Runs {@code wake} once the budget has room; the caller must not register twice before it runs. */
  void await(Runnable wake) {
    waiting.add(wake);
  }
}
