package dev.redisproxy.cache;

import java.util.Arrays;

/**
 * Answers the cache verticle sends one {@link CacheClient}: for each ticket, a {@link LookupReply}
 * (a failed key is a {@link LookupReply.Outcome#FAILED} reply, failing that key alone). Handed over:
 * the cache fills it during one turn of its event loop and sends it; nobody changes it after that.
 */
public final class LookupAnswers {

  private int[] tickets;
  private LookupReply[] replies;
  private int size;

  public LookupAnswers(int capacity) {
    int n = Math.max(1, capacity);
    tickets = new int[n];
    replies = new LookupReply[n];
  }

  public void answer(int ticket, LookupReply reply) {
    if (size == tickets.length) {
      tickets = Arrays.copyOf(tickets, size * 2);
      replies = Arrays.copyOf(replies, size * 2);
    }
    tickets[size] = ticket;
    replies[size++] = reply;
  }

  public int size() {
    return size;
  }

  public int ticket(int i) {
    return tickets[i];
  }

  public LookupReply reply(int i) {
    return replies[i];
  }
}
