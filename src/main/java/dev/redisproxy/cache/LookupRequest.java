package dev.redisproxy.cache;

/**
 * Keys a front end's {@link CacheClient} asks the cache verticle for, gathered from every lookup
 * its connections made in one event-loop turn. Sent (not requested) to {@link CacheVerticle#LOOKUP};
 * the answers come back as {@link LookupAnswers} sent to {@link #replyTo()}, each carrying the
 * ticket of its key: hits at once, misses when Redis has answered.
 *
 * <p>Handed over, not copied: the client gives up the arrays it gathered into when it builds the
 * request (the next turn gathers into new ones), and nothing here changes them, so the request is
 * immutable from the moment it is sent.
 */
public final class LookupRequest {

  private final String replyTo;
  private final Key[] keys;
  private final int[] tickets;
  private final int size;

  /** Takes over {@code keys} and {@code tickets}; the caller must not touch them afterwards. */
  LookupRequest(String replyTo, Key[] keys, int[] tickets, int size) {
    this.replyTo = replyTo;
    this.keys = keys;
    this.tickets = tickets;
    this.size = size;
  }

  /** The client's own address. */
  public String replyTo() {
    return replyTo;
  }

  /** How many keys the request holds. */
  public int size() {
    return size;
  }

  public Key key(int i) {
    return keys[i];
  }

  /** The ticket the answer to key {@code i} must carry. */
  public int ticket(int i) {
    return tickets[i];
  }
}
