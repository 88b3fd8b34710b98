package dev.redisproxy.cache;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * An event-bus codec for immutable objects that never leave the process: {@link #transform}
 * hands the receiver the very same object, so a cached value is never copied on its way from
 * the cache verticle to a front end. Encoding for the wire is refused on purpose.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

  private final String name;

  private LocalCodec(Class<T> type) {
    this.name = "local:" + type.getName();
  }

  /** Registers the codecs for the cache's message types as their default codecs, once per Vert.x. */
  public static void registerAll(Vertx vertx) {
    register(vertx, LookupRequest.class);
    register(vertx, LookupAnswers.class);
    register(vertx, CacheStats.class);
    register(vertx, HotKeysSnapshot.class);
    register(vertx, LookupLatency.class);
    register(vertx, Key.class);
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // A second proxy in the same Vert.x (tests do this) reuses the first registration.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(name + " is for local delivery only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " is for local delivery only");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
