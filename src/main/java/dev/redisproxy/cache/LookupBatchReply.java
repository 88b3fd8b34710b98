package dev.redisproxy.cache;

import dev.redisproxy.redis.RedisException;

/**
 * The answers to a {@link LookupBatch}, one per key and in its order: a {@link LookupReply}, or
 * the {@link RedisException} that failed that key alone (the others still have their answers).
 * The cache verticle fills it while the keys are answered and sends it once complete; nobody
 * changes it after that.
 */
public final class LookupBatchReply {

  private final LookupReply[] replies;
  private RedisException[] failures;

  /** An empty reply for {@code size} keys; the cache verticle (or a test's fake cache) fills it. */
  public LookupBatchReply(int size) {
    this.replies = new LookupReply[size];
  }

  public void answer(int index, LookupReply reply) {
    replies[index] = reply;
  }

  public void fail(int index, RedisException failure) {
    if (failures == null) {
      failures = new RedisException[replies.length];
    }
    failures[index] = failure;
  }

  public int size() {
    return replies.length;
  }

  /** The answer for key {@code index}; null when that key failed. */
  public LookupReply reply(int index) {
    return replies[index];
  }

  /** Why key {@code index} failed; null when it has an answer. */
  public RedisException failure(int index) {
    return failures == null ? null : failures[index];
  }
}
