package dev.redisproxy.resp;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import io.vertx.core.buffer.Buffer;

/**
 * The reply to GET (one key, a bulk string or nil) or MGET (an array of them). Each key is one
 * cache lookup; {@link Lookups} sends them in order, as many at a time as the connection's budget
 * allows, and the reply is ready when every key is answered or one lookup failed. Its outcome is
 * counted then, once, for {@code redis_proxy_requests_total}.
 */
final class KeysReply extends PendingReply {

  private final RespCommand command;
  private final boolean array;
  // The connection's protocol when the command was taken: a later HELLO does not change this reply.
  private final Protocol protocol;
  private final RespOutcomes outcomes;
  private final Buffer[] values;
  private int sent;
  private int answered;
  // Set by the first failure that fails the whole reply; the reply is then ready.
  private Buffer error;

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

  /** Records the value of key {@code index}; null when Redis has no such key. */
  void answer(int index, Buffer value) {
    values[index] = value;
    if (++answered == values.length && error == null) {
      outcomes.count(null);
    }
  }

  /**
   * Records a failed lookup. Like Redis, MGET answers nil for a key that holds another type
   * (the cache reports that as a Redis error); any other failure fails the whole reply.
   */
  void fail(int index, Failure failure, Buffer encodedError) {
    boolean decided = ready();
    answered++;
    if (decided) {
      return;
    }
    if (!(array && failure == Failure.REDIS_ERROR)) {
      error = encodedError;
      outcomes.count(failure);
    } else if (answered == values.length) {
      outcomes.count(null);
    }
  }

  @Override
  boolean ready() {
    return error != null || answered == values.length;
  }

  @Override
  void writeTo(RespWriter out) {
    if (error != null) {
      out.raw(error);
      return;
    }
    out.protocol(protocol);
    if (array) {
      out.arrayHeader(values.length);
    }
    for (Buffer value : values) {
      if (value == null) {
        out.nil();
      } else {
        out.bulk(value);
      }
    }
  }
}
