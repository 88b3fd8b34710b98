package dev.redisproxy.resp;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import io.vertx.core.buffer.Buffer;

/**
 * The reply to GET (one key, a bulk string or nil) or MGET (an array of them). Each key is one
 * cache lookup; {@link Lookups} sends them in order, as many at a time as the connection's budget
 * allows, and the reply is ready when every key is answered or one lookup failed. Its outcome is
 * counted then, once, for {@code redis_proxy_requests_total}.
 *
 * <p>An MGET whose values add up to more than a batch need not be held whole: at the head of its
 * connection's queue it {@link #streamable streams}, its header and the values answered so far, in
 * order, going out while the later keys are still being looked up. So the bytes one MGET holds are
 * bounded by what its connection lets be looked up at once, not by its number of keys. Once
 * streaming, a key whose lookup fails (other than a wrong type, which is nil as Redis answers) is
 * an error element of the array: the array header has gone.
 */
final class KeysReply extends PendingReply {

  // A key answered as missing; null in values means not answered yet.
  private static final Buffer NIL = Buffer.buffer(0);

  private final RespCommand command;
  private final boolean array;
  // The connection's protocol when the command was taken: a later HELLO does not change this reply.
  private final Protocol protocol;
  private final RespOutcomes outcomes;
  private final Buffer[] values;
  private int sent;
  private int answered;
  private boolean counted;
  // Set by the first failure that fails the whole reply; the reply is then ready.
  private Buffer error;
  // Streaming: whether the header went out, how many values did, and which values are error elements.
  private boolean started;
  private int written;
  private boolean[] failed;
  // Bytes of the values answered and not yet written: what this reply holds in memory.
  private long heldBytes;

  /** Keys are the command's arguments from index 1; {@code array} for MGET's reply shape. */
  KeysReply(RespCommand command, boolean array, Protocol protocol, RespOutcomes outcomes) {
    this.command = command;
    this.array = array;
    this.protocol = protocol;
    this.outcomes = outcomes;
    this.values = new Buffer[command.argc() - 1];
  }

  /** True while some key has not been looked up and the reply is still undecided. */
  boolean hasUnsent() {
    return sent < values.length && error == null;
  }

  /** How many keys are still to be looked up; 0 once the reply is decided. */
  int unsentCount() {
    return error == null ? values.length - sent : 0;
  }

  /** The index of the next key to look up; it counts as sent. */
  int nextToSend() {
    return sent++;
  }

  Key key(int index) {
    return Key.wrap(command.arg(index + 1));
  }

  /**
   * Records the value of key {@code index}; null when Redis has no such key.
   *
   * @return the bytes this reply now holds for it: 0 for a missing key or a reply already failed
   */
  long answer(int index, Buffer value) {
    answered++;
    if (error != null) {
      return 0;
    }
    values[index] = value == null ? NIL : value;
    countIfDone();
    long bytes = value == null ? 0 : value.length();
    heldBytes += bytes;
    return bytes;
  }

  /**
   * Records a failed lookup. Like Redis, MGET answers nil for a key that holds another type
   * (the cache reports that as a Redis error); any other failure fails the whole reply, or, once
   * the reply streams, is that key's element.
   */
  void fail(int index, Failure failure, Buffer encodedError) {
    answered++;
    if (error != null) {
      return;
    }
    if (array && failure == Failure.REDIS_ERROR) {
      values[index] = NIL;
    } else if (started) {
      if (failed == null) {
        failed = new boolean[values.length];
      }
      failed[index] = true;
      values[index] = encodedError;
      count(failure);
    } else {
      error = encodedError;
      count(failure);
      return;
    }
    countIfDone();
  }

  private void countIfDone() {
    if (answered == values.length) {
      count(null);
    }
  }

  private void count(Failure failure) {
    if (!counted) {
      counted = true;
      outcomes.count(failure);
    }
  }

  @Override
  boolean ready() {
    return error != null || answered == values.length;
  }

  @Override
  long heldBytes() {
    return heldBytes;
  }

  /**
   * Whether the reply, not ready, should go out in part now: an MGET already streaming, or one whose
   * answered values hold {@code minBytes} or more.
   */
  boolean streamable(long minBytes) {
    return array && error == null && (started || heldBytes >= minBytes);
  }

  /** Writes the header (once) and the values answered in order since the last call. */
  void writeAnswered(RespWriter out) {
    out.protocol(protocol);
    if (!started) {
      started = true;
      out.arrayHeader(values.length);
    }
    while (written < values.length && values[written] != null) {
      heldBytes -= writeElement(out, written);
      values[written++] = null;
    }
  }

  @Override
  void writeTo(RespWriter out) {
    if (error != null) {
      out.raw(error);
      return;
    }
    out.protocol(protocol);
    if (array && !started) {
      out.arrayHeader(values.length);
    }
    for (int i = written; i < values.length; i++) {
      writeElement(out, i);
    }
  }

  /** Writes value {@code i}; returns the bytes of it this reply held. */
  private long writeElement(RespWriter out, int i) {
    Buffer value = values[i];
    if (failed != null && failed[i]) {
      out.raw(value);
      return 0;
    }
    if (value == NIL) {
      out.nil();
      return 0;
    }
    out.bulk(value);
    return value.length();
  }
}
