package dev.redisproxy.metrics;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.InvalidationListener;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.cache.Ticker;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RedisReader} that times every read Redis answers (a value, nil or an error reply)
 * into {@code redis_proxy_redis_read_seconds}. Reads that never reached Redis are left out: a
 * refused connection says nothing about Redis's latency, and is counted as a failure instead.
 * Time comes from the proxy's {@link Ticker}, so tests can move it.
 */
public final class TimedRedisReader implements RedisReader {

  private final RedisReader delegate;
  private final Timer timer;
  private final Ticker ticker;

  public TimedRedisReader(RedisReader delegate, Timer timer, Ticker ticker) {
    this.delegate = delegate;
    this.timer = timer;
    this.ticker = ticker;
  }

  @Override
  public Future<RedisValue> get(Key key) {
    long start = ticker.nanos();
    return delegate.get(key).onComplete(
        value -> record(start),
        err -> {
          if (err instanceof LookupException re && (re.failure() == Failure.REDIS_ERROR || re.failure() == Failure.TOO_LARGE)) {
            record(start);
          }
        });
  }

  private void record(long start) {
    timer.record(ticker.nanos() - start, TimeUnit.NANOSECONDS);
  }

  @Override
  public Future<Void> ping() {
    return delegate.ping();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }

  @Override
  public boolean cacheable() {
    return delegate.cacheable();
  }

  @Override
  public boolean cacheable(Key key) {
    return delegate.cacheable(key);
  }

  @Override
  public void invalidations(InvalidationListener listener) {
    delegate.invalidations(listener);
  }
}
