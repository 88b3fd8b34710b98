package dev.redisproxy.cache;

import java.util.Arrays;

/**
 * Answers the cache verticle sends one {@link CacheClient}: for each ticket, a {@link LookupReply}
 * or the {@link LookupException} that failed that key alone. The cache fills it during one turn of
 * its event loop and sends it; nobody changes it after that.
 */
public final class LookupAnswers {

  private int[] tickets;
  private LookupReply[] replies;
  private LookupException[] failures;
  private int size;

  public LookupAnswers(int capacity) {
    int n = Math.max(1, capacity);
    tickets = new int[n];
    replies = new LookupReply[n];
  }

  public void answer(int ticket, LookupReply reply) {
    int i = next();
    tickets[i] = ticket;
    replies[i] = reply;
  }

  public void fail(int ticket, LookupException failure) {
    int i = next();
    tickets[i] = ticket;
    if (failures == null) {
      failures = new LookupException[tickets.length];
    }
    failures[i] = failure;
  }

  public int size() {
    return size;
  }

  public int ticket(int i) {
    return tickets[i];
  }

  /** The answer at {@code i}; null when that key failed. */
  public LookupReply reply(int i) {
    return replies[i];
  }

  /** Why the key at {@code i} failed; null when it has an answer. */
  public LookupException failure(int i) {
    return failures == null ? null : failures[i];
  }

  private int next() {
    if (size == tickets.length) {
      int n = size * 2;
      tickets = Arrays.copyOf(tickets, n);
      replies = Arrays.copyOf(replies, n);
      if (failures != null) {
        failures = Arrays.copyOf(failures, n);
      }
    }
    return size++;
  }
}
