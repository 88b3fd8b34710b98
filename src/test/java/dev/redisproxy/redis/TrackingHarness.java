package dev.redisproxy.redis;

import dev.redisproxy.cache.InvalidationListener;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link TrackingRedisReader} built from environment-style variables, on one event-loop context of
 * its own as the cache verticle's, with what it reported recorded in order: a key, {@code *flush} or
 * {@code *lost}.
 */
final class TrackingHarness implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(30);

  final Vertx vertx = Vertx.vertx();
  // Created from the test thread: an event-loop context of its own, standing in for the cache verticle's.
  final Context context = vertx.getOrCreateContext();
  final ConcurrentLinkedQueue<String> reports = new ConcurrentLinkedQueue<>();
  final TrackingRedisReader reader;

  TrackingHarness(Map<String, String> env) throws Exception {
    Map<String, String> all = new HashMap<>(Map.of("REDIS_TIMEOUT", "1s", "CACHE_INVALIDATION", "tracking"));
    all.putAll(env);
    ProxyConfig config = ConfigLoader.load(null, all);
    reader = onContext(() -> {
      TrackingRedisReader r = TrackingRedisReader.create(vertx, config);
      r.invalidations(new InvalidationListener() {
        @Override
        public void invalidate(Key key) {
          reports.add(key.toString());
        }

        @Override
        public void invalidateAll(boolean connectionLost) {
          reports.add(connectionLost ? "*lost" : "*flush");
        }
      });
      return Future.succeededFuture(r);
    });
  }

  boolean up() throws Exception {
    return onContext(() -> Future.succeededFuture(reader.cacheable()));
  }

  boolean cacheable(String key) throws Exception {
    return onContext(() -> Future.succeededFuture(reader.cacheable(Key.of(key))));
  }

  void awaitUp() throws InterruptedException {
    Await.until(WAIT, "tracking up", this::up);
  }

  /** The value as text, null when Redis has none. */
  String read(String key) throws Exception {
    Buffer value = onContext(() -> reader.get(Key.of(key)).map(RedisValue::value));
    return value == null ? null : value.toString();
  }

  long count(String report) {
    return reports.stream().filter(report::equals).count();
  }

  List<String> reportsSoFar() {
    return List.copyOf(reports);
  }

  /** Runs the call on the reader's context, as the cache verticle does, and waits for it. */
  <T> T onContext(Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(result::complete, result::completeExceptionally));
    return result.get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      onContext(reader::close);
    } finally {
      vertx.close().await();
    }
  }
}
