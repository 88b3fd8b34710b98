package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.config.ConfigLoader;
import dev.redisproxy.config.ProxyConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link VertxRedisReader} built from environment-style variables, with blocking helpers for
 * tests. Reads run on one Vert.x event-loop context, as the cache verticle's do: the reader keeps
 * plain fields that only that context touches.
 */
final class ReaderHarness implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  // Created from the test thread, so a fresh event-loop context of its own.
  final Context context = vertx.getOrCreateContext();
  final ProxyConfig config;
  final VertxRedisReader reader;

  ReaderHarness(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(Map.of("REDIS_TIMEOUT", "2s"));
    all.putAll(env);
    config = ConfigLoader.load(null, all);
    reader = VertxRedisReader.create(vertx, config);
  }

  /** The value as text, or null when Redis has no such key; throws {@link ExecutionException} on failure. */
  String read(String key) throws Exception {
    Buffer value = onContext(() -> reader.get(Key.of(key))).value();
    return value == null ? null : value.toString();
  }

  /** Reads many keys, {@code parallel} at a time, and returns the values in order (null for missing keys). */
  List<String> readAll(List<String> keys, int parallel) throws Exception {
    String[] values = new String[keys.size()];
    for (int from = 0; from < keys.size(); from += parallel) {
      int start = from;
      int end = Math.min(keys.size(), from + parallel);
      onContext(() -> {
        List<Future<RedisValue>> reads = keys.subList(start, end).stream().map(k -> reader.get(Key.of(k))).toList();
        return Future.all(reads).map(all -> {
          for (int i = 0; i < reads.size(); i++) {
            Buffer b = reads.get(i).result().value();
            values[start + i] = b == null ? null : b.toString();
          }
          return null;
        });
      });
    }
    return Arrays.asList(values);
  }

  /** The {@link LookupException} a read of the key fails with. */
  LookupException failureOf(String key) throws Exception {
    try {
      String value = read(key);
      throw new AssertionError("read of " + key + " should have failed, got " + value);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(LookupException.class);
      return (LookupException) e.getCause();
    }
  }

  <T> T onContext(Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(result::complete, result::completeExceptionally));
    return result.get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
