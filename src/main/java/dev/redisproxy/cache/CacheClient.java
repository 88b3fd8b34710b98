package dev.redisproxy.cache;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A front-end verticle's side of the lookup protocol: one per front-end instance, used only on
 * that instance's event loop, shared by all its connections.
 *
 * <p>Why not one event-bus request per lookup: a request registers a reply handler and a timer and
 * wakes the cache's event loop and then this one, which cost a quarter of the throughput of
 * unpipelined RESP GETs. Instead, every lookup made during one turn of this event loop (all the
 * reads one wake-up delivered, across connections) goes to the cache as one {@link LookupRequest},
 * and the cache answers with {@link LookupAnswers} sent to this client's own address, gathered per
 * turn of its loop too. Hits come back at once; a miss comes back on its own when Redis answers,
 * so a slow read never holds up another connection's hits.
 *
 * <p>Each lookup holds a slot until answered; its ticket (slot and a generation) comes back with
 * the answer, so an answer for a lookup that already timed out is recognised and dropped. At most
 * {@link #MAX_OUTSTANDING} lookups wait at once (further ones fail at once as
 * {@link Failure#OVERLOADED}).
 *
 * <p>The sweep that fails a lookup after {@code timeoutMs} ({@code REDIS_TIMEOUT} plus
 * {@link CacheVerticle#ANSWER_SLACK_MS}) is not a deadline on Redis: the cache answers every lookup
 * by then itself (its Redis reads carry the one deadline). It is the last-resort guard that a front
 * end never waits for ever on a cache verticle that cannot answer at all (stopped, or its event
 * loop blocked).
 */
public final class CacheClient {

  /** Who gets the answer to one lookup. Called once, on the client's event loop, never during {@link #lookup}. */
  @FunctionalInterface
  public interface LookupCallback {
    void answered(LookupReply reply);
  }

  /** Lookups one client may have waiting for the cache at once. */
  public static final int MAX_OUTSTANDING = 1 << 16;

  private static final int SLOT_BITS = 16;
  private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;
  private static final int INITIAL_SLOTS = 256;
  private static final AtomicLong ADDRESSES = new AtomicLong();
  private static final LookupReply OVERLOADED = LookupReply.failed(Failure.OVERLOADED,
      "too many lookups waiting for the cache (" + MAX_OUTSTANDING + ")");

  private final Vertx vertx;
  private final Context context;
  private final EventBus bus;
  private final String address;
  private final long timeoutNanos;
  private final LookupReply timedOut;
  private final Handler<Void> flushTask = v -> flush();
  private MessageConsumer<LookupAnswers> consumer;
  private long sweeper;

  // Waiting lookups by slot; a slot is free when its callback is null.
  private LookupCallback[] callbacks = new LookupCallback[INITIAL_SLOTS];
  private int[] tickets = new int[INITIAL_SLOTS];
  private long[] sentAt = new long[INITIAL_SLOTS];
  // Free slots below `used`, as a stack; slots from `used` up have never been handed out.
  private int[] free = new int[INITIAL_SLOTS];
  private int freeCount;
  private int used;
  private int outstanding;

  // The request gathered during this turn of the event loop, sent by flushTask at its end.
  private Key[] keys = new Key[16];
  private int[] keyTickets = new int[16];
  private int count;
  private long turnStarted;

  // How long the lookups answered since the last sweep took; the sweep sends it to the cache verticle.
  private LookupLatency latency = new LookupLatency();

  private CacheClient(Vertx vertx, Context context, long timeoutMs) {
    this.vertx = vertx;
    this.context = context;
    this.bus = vertx.eventBus();
    this.address = "redis-proxy.cache.answers." + ADDRESSES.incrementAndGet();
    this.timeoutNanos = timeoutMs * 1_000_000;
    this.timedOut = LookupReply.failed(Failure.TIMEOUT, "the cache did not answer within " + timeoutMs + " ms");
  }

  /**
   * Opens a client bound to the calling context (a front-end verticle's {@code start}; elsewhere a
   * new event-loop context); lookups waiting {@code timeoutMs} fail.
   */
  public static Future<CacheClient> open(Vertx vertx, long timeoutMs) {
    Context context = vertx.getOrCreateContext();
    CacheClient client = new CacheClient(vertx, context, timeoutMs);
    Promise<CacheClient> opened = Promise.promise();
    // On the context, so that the answers and the sweeps run on its event loop.
    context.runOnContext(v -> {
      client.consumer = vertx.eventBus().localConsumer(client.address, client::deliver);
      client.sweeper = vertx.setPeriodic(Math.max(10, Math.min(1000, timeoutMs / 4)), id -> client.sweep());
      client.consumer.completion().map(client).onComplete(opened);
    });
    return opened.future();
  }

  /** Runs the action on the client's event loop: where {@link #lookup(Key, LookupCallback)} may be called. */
  public void runOnLoop(Handler<Void> action) {
    context.runOnContext(action);
  }

  /** Stops taking answers; lookups still waiting are never answered. */
  public Future<Void> close() {
    vertx.cancelTimer(sweeper);
    return consumer.unregister();
  }

  /**
   * Looks the key up; the callback gets the answer later, never during this call. Must be called
   * on the client's event loop. Every lookup of one turn goes to the cache in one message, and the
   * answers that come back in one message are handed out one after the other in one task: a
   * callback that wants to act once per batch (write one socket batch) defers that to the end of
   * the turn itself.
   */
  public void lookup(Key key, LookupCallback callback) {
    int slot = takeSlot();
    if (slot < 0) {
      context.runOnContext(v -> callback.answered(OVERLOADED));
      return;
    }
    if (count == 0) {
      turnStarted = System.nanoTime();
      context.runOnContext(flushTask);
    } else if (count == keys.length) {
      keys = Arrays.copyOf(keys, count * 2);
      keyTickets = Arrays.copyOf(keyTickets, count * 2);
    }
    int ticket = (((tickets[slot] >>> SLOT_BITS) + 1) << SLOT_BITS) | slot;
    tickets[slot] = ticket;
    callbacks[slot] = callback;
    sentAt[slot] = turnStarted;
    outstanding++;
    keys[count] = key;
    keyTickets[count++] = ticket;
  }

  /**
   * One key's answer as a future, from any thread: for tests and tools, not the hot path. A
   * {@link LookupReply.Outcome#FAILED} answer fails the future with a {@link LookupException}.
   */
  public Future<LookupReply> lookup(Key key) {
    Promise<LookupReply> promise = Promise.promise();
    runOnLoop(v -> lookup(key, reply -> {
      if (reply.isFailed()) {
        promise.fail(new LookupException(reply.failure(), reply.message()));
      } else {
        promise.complete(reply);
      }
    }));
    return promise.future();
  }

  /** Lookups sent or about to be sent and not yet answered. */
  public int outstanding() {
    return outstanding;
  }

  private void flush() {
    if (count == 0) {
      return;
    }
    bus.send(CacheVerticle.LOOKUP, new LookupRequest(address, keys, keyTickets, count));
    // The arrays now belong to the message; the next turn gathers into new ones of the size this one needed.
    int next = Math.max(16, Math.min(count, 1024));
    keys = new Key[next];
    keyTickets = new int[next];
    count = 0;
  }

  private void deliver(Message<LookupAnswers> msg) {
    LookupAnswers answers = msg.body();
    long now = System.nanoTime();
    for (int i = 0; i < answers.size(); i++) {
      int ticket = answers.ticket(i);
      int slot = ticket & SLOT_MASK;
      if (slot < used && tickets[slot] == ticket && callbacks[slot] != null) {
        latency.record(now - sentAt[slot]);
        answer(slot, answers.reply(i));
      }
      // Otherwise the lookup timed out before its answer came: nobody waits for it.
    }
  }

  /** Fails the lookups that have waited too long. */
  private void sweep() {
    if (!latency.isEmpty()) {
      bus.send(LookupLatency.ADDRESS, latency);
      latency = new LookupLatency();
    }
    if (outstanding == 0) {
      return;
    }
    long now = System.nanoTime();
    for (int slot = 0; slot < used; slot++) {
      if (callbacks[slot] != null && now - sentAt[slot] >= timeoutNanos) {
        answer(slot, timedOut);
      }
    }
  }

  private void answer(int slot, LookupReply reply) {
    LookupCallback callback = callbacks[slot];
    callbacks[slot] = null;
    free[freeCount++] = slot;
    outstanding--;
    callback.answered(reply);
  }

  /** A free slot, or -1 when {@link #MAX_OUTSTANDING} lookups are waiting. */
  private int takeSlot() {
    if (freeCount > 0) {
      return free[--freeCount];
    }
    if (used == callbacks.length) {
      if (used == MAX_OUTSTANDING) {
        return -1;
      }
      int n = used * 2;
      callbacks = Arrays.copyOf(callbacks, n);
      tickets = Arrays.copyOf(tickets, n);
      sentAt = Arrays.copyOf(sentAt, n);
      free = Arrays.copyOf(free, n);
    }
    return used++;
  }
}
