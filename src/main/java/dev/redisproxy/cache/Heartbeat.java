package dev.redisproxy.cache;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

/**
 * The liveness heartbeat every verticle that serves clients answers on its own event loop: the cache
 * verticle and each front-end instance. A probe publishes an address on {@link #ADDRESS}; each
 * instance sends its kind ({@code "cache"}, {@code "http"}, {@code "resp"}) there, so an instance
 * whose event loop is blocked or dead does not answer, and the probe says DOWN. Nothing is shared
 * between verticles but the event bus.
 */
public final class Heartbeat {

  /** Published body: the address (a String) to send this instance's kind to. */
  public static final String ADDRESS = "redis-proxy.heartbeat";

  private Heartbeat() {
  }

  /** Answers the heartbeat as {@code kind}; call from the verticle's {@code start}, on its context. */
  public static Future<Void> answer(Vertx vertx, String kind) {
    EventBus bus = vertx.eventBus();
    return bus.<String>localConsumer(ADDRESS, beat -> bus.send(beat.body(), kind)).completion();
  }
}
