package dev.redisproxy.frontend;

import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * The bytes of replies one front-end instance holds for its clients, over all its connections:
 * values answered and not yet written, writes handed to sockets that the kernel has not taken yet
 * (in direct memory by then), and what the lookups in flight are expected to bring. While they reach
 * {@link #max}, the instance starts no lookup (RESP: no connection takes a command; HTTP: requests
 * for values wait, in order); what waits is woken when written bytes bring the sum under it again.
 * Both front ends use it: {@code resp.ReplyBytes} per connection, {@code http.ResponseBudget}.
 *
 * <p>Why a bound over all connections and not only one per connection: a RESP connection stops at
 * 1 MiB and an HTTP one holds two bodies, but {@code MAX_CONNECTIONS} (2048 by default) of them
 * could hold gigabytes, and a slow client that sends one GET of a large value and then reads slowly
 * holds that value whatever the per-connection bound. The heap share left after
 * {@code CACHE_MAXMEMORY} (a quarter) and the reads from Redis is what the other three quarters have
 * room for: the replies of all front ends together get an eighth of the heap, split evenly over the
 * {@code 2 × MAX_PARALLEL} front-end instances ({@link #forInstance}). At {@code -Xmx192m} that is
 * 12 MiB per instance, 24 MiB in all, against 48 MiB of cache.
 *
 * <p>A value's size is known only when its answer arrives, so a lookup reserves an {@link #estimate}:
 * the largest value answered since, halving at each smaller answer, and an eighth of the budget
 * ({@link #FIRST_SHARE}) before any answer: eight lookups go at once, so concurrent misses of a cold
 * proxy (or of a stalled Redis) are not served one by one, while a cold burst of large values for
 * clients that do not read overshoots by at most eight of them (with sixteen, two HTTP instances'
 * cold bursts of 4 MiB bodies ran a 192 MiB direct-memory limit out). The bound is checked before a
 * lookup is sent, so it is crossed by one value, or, when values outgrow what the lookups in flight
 * reserved, by what they bring beyond it. While it is spent, slow readers give it back as they read,
 * or when {@code CLIENT_IDLE_TIMEOUT} closes them. A value larger than the budget is still served,
 * alone. A cached value a reply holds is the cache's buffer, not a copy, so hits cost the heap
 * nothing beyond the cache until it evicts them.
 *
 * <p>One per instance, used on its event loop only, like the connections it counts; the count is
 * published for {@code redis_proxy_client_reply_bytes} ({@link #publishTo}).
 */
public final class ReplyBudget {

  /** The share of the heap all front ends' replies may hold together: an eighth. */
  public static final int HEAP_SHARE = 8;
  /** Before any answer, a first lookup reserves this share of the budget: eight may go at once. */
  public static final int FIRST_SHARE = 8;

  private final long max;
  private long queued;
  // Where the count is published for the metrics after each change.
  private LongConsumer published = bytes -> { };
  // What a lookup with nothing better to go by reserves (see the class comment).
  private long estimate;
  // What waits for room, oldest first: wake-ups of RESP connections, HTTP lookups.
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

  public ReplyBudget(long max) {
    this.max = Math.max(1, max);
    this.estimate = Math.max(1, this.max / FIRST_SHARE);
  }

  /** One instance's part of {@code maxHeap / HEAP_SHARE}: HTTP and RESP each deploy {@code instances}. */
  public static ReplyBudget forInstance(long maxHeap, int instances) {
    return new ReplyBudget(maxHeap / HEAP_SHARE / (2L * Math.max(1, instances)));
  }

  public long max() {
    return max;
  }

  /** What a lookup should reserve when it has nothing better to go by. */
  public long estimate() {
    return estimate;
  }

  /** An answer on any connection of the instance brought {@code bytes}. */
  public void observed(long bytes) {
    estimate = Math.max(bytes, estimate / 2);
  }

  /** Bytes held now, over every connection of the instance. */
  public long queued() {
    return queued;
  }

  /** Publishes the count (for the metrics) each time it changes. */
  public void publishTo(LongConsumer consumer) {
    published = consumer;
    consumer.accept(queued);
  }

  /** Under {@link #max}: lookups may start. */
  public boolean hasRoom() {
    return queued < max;
  }

  /** Room, and nothing waiting for it that came first. */
  public boolean hasRoomForNewcomer() {
    return queued < max && waiting.isEmpty();
  }

  /** Counts {@code bytes} more: a reservation, a value answered, a write handed to a socket. */
  public void add(long bytes) {
    queued += bytes;
    published.accept(queued);
  }

  /** Gives bytes back; when that makes room, every waiting connection is woken once. */
  public void release(long bytes) {
    queued -= bytes;
    published.accept(queued);
    while (queued < max && !waiting.isEmpty()) {
      waiting.poll().run();
    }
  }

  /** Runs {@code wake} once the budget has room, after those registered before; register once per wait. */
  public void await(Runnable wake) {
    waiting.add(wake);
  }
}
