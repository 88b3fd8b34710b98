package dev.redisproxy.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The bytes one front-end instance holds for its clients (its reply budget's count), published for
 * {@code redis_proxy_client_reply_bytes}: set on the instance's event loop each time the count
 * changes, read by whichever thread serves the scrape. A lazy set is a plain store, so a reply
 * costs no fence; the scrape may see a figure a moment old.
 */
public final class HeldBytes implements LongConsumer {

  private final AtomicLong held = new AtomicLong();
  private final long max;

  HeldBytes(long max) {
    this.max = max;
  }

  @Override
  public void accept(long bytes) {
    held.lazySet(bytes);
  }

  long held() {
    return held.get();
  }

  long max() {
    return max;
  }
}
