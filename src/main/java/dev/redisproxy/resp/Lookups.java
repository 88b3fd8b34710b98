package dev.redisproxy.resp;

import dev.redisproxy.cache.CacheClient;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupReply;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;

/**
 * One connection's side of the cache lookups: the GET and MGET replies whose keys are still to
 * be sent, the budget of lookups in flight, and the answers coming back. Every key goes to the
 * cache through the verticle's {@link CacheClient}, at most {@link #MAX_IN_FLIGHT} at a time; the
 * client sends all lookups of one event-loop turn in one message, so a pipeline of GETs, an MGET,
 * or GETs from many connections cost one event-bus message.
 *
 * <p>Used on the connection's event loop only.
 */
final class Lookups {

  /** Cache lookups outstanding for one connection; further keys wait their turn. */
  static final int MAX_IN_FLIGHT = 256;

  private static final Buffer TIMED_OUT = RespEncoder.error("UNAVAILABLE Redis timed out");

  private final CacheClient cache;
  // Called at each answer recorded: the connection writes what became ready once, at the end of
  // this event-loop turn, so the answers that came in one message from the cache go out together.
  private final Runnable onAnswers;
  // What the connection holds for its client; a lookup is sent only while it has room.
  private final ReplyBytes bytes;
  // GET/MGET replies with keys not yet sent to the cache, oldest first.
  private final ArrayDeque<KeysReply> unsent = new ArrayDeque<>();
  private int inFlight;
  // Keys of the replies in unsent not yet sent to the cache (an upper bound once a reply failed).
  private int queuedKeys;
  private boolean closed;

  Lookups(CacheClient cache, Runnable onAnswers, ReplyBytes bytes) {
    this.cache = cache;
    this.onAnswers = onAnswers;
    this.bytes = bytes;
  }

  /** Queues the reply's keys; they go out with the next {@link #send}. */
  void add(KeysReply reply) {
    unsent.add(reply);
    queuedKeys += reply.unsentCount();
  }

  /** True while the budget has room for the keys queued so far and more. */
  boolean hasRoom() {
    return queuedKeys < MAX_IN_FLIGHT - inFlight;
  }

  /**
   * Hands the keys waiting for a lookup to the cache client, as many as the budget of lookups in
   * flight and the connection's bytes allow; each reserves the bytes its answer may bring.
   */
  void send() {
    int budget = MAX_IN_FLIGHT - inFlight;
    KeysReply r;
    while (budget > 0 && (r = unsent.peek()) != null && bytes.mayLookUp()) {
      if (!r.hasUnsent()) {
        unsent.poll();
        continue;
      }
      int index = r.nextToSend();
      inFlight++;
      budget--;
      KeysReply owner = r;
      long reservation = bytes.reserve();
      cache.lookup(r.key(index), reply -> answered(owner, index, reservation, reply));
    }
    while (!unsent.isEmpty() && !unsent.peek().hasUnsent()) {
      unsent.poll();
    }
    queuedKeys = 0;
    for (KeysReply waiting : unsent) {
      queuedKeys += waiting.unsentCount();
    }
  }

  /** The connection is gone: answers still to come are dropped. */
  void close() {
    closed = true;
    unsent.clear();
  }

  private void answered(KeysReply owner, int index, long reservation, LookupReply reply) {
    inFlight--;
    if (closed) {
      bytes.answered(reservation, 0);
      return;
    }
    long held = 0;
    if (reply.isFailed()) {
      owner.fail(index, reply.failure(), failureReply(reply.failure(), reply.message()));
    } else {
      held = owner.answer(index, reply.value());
    }
    bytes.answered(reservation, held);
    onAnswers.run();
  }

  /** The RESP error for a failed lookup: Redis's own error text, or UNAVAILABLE. */
  static Buffer failureReply(Failure failure, String message) {
    return switch (failure) {
      case REDIS_ERROR -> RespEncoder.error(message == null ? "ERR Redis error" : message);
      case TOO_LARGE -> RespEncoder.error("ERR " + message);
      case TIMEOUT -> TIMED_OUT;
      default -> RespEncoder.error("UNAVAILABLE Redis unavailable: " + message);
    };
  }
}
