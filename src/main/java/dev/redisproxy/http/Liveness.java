package dev.redisproxy.http;

import dev.redisproxy.cache.Heartbeat;
import dev.redisproxy.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /health/live}: UP only when every event loop that serves clients answers the
 * {@link Heartbeat} within {@link #BOUND_MS}: the cache verticle's and each front-end instance's.
 * The probe itself arrives on one HTTP event loop, so a proxy that answers it at all has that one.
 * A blocked or dead loop leaves its instances silent, and the probe answers DOWN (503) naming the
 * kinds that fell short. Out of memory needs no check here: the process ends ({@code Fatal}).
 *
 * <p>Cheap: one published message and one answer per instance; concurrent probes on this
 * instance share the one in flight. Never blocks: the bound is a timer on this event loop.
 */
final class Liveness {

  /**
   * How long every instance has to answer: Vert.x's own limit for an event-loop task (its
   * blocked-thread warning), below the Docker HEALTHCHECK's 3 s timeout. A healthy loop, however
   * busy, runs a queued task far sooner.
   */
  static final long BOUND_MS = 2_000;

  private final Vertx vertx;
  // Instances that must answer, by kind: the cache verticle once, each front end MAX_PARALLEL times.
  private final Map<String, Integer> expected = new LinkedHashMap<>();
  // This instance's answer addresses: a fresh one per probe, so a late answer counts for no other probe.
  private final String replyPrefix = "redis-proxy.heartbeat.reply." + UUID.randomUUID() + ".";
  private long probes;
  // The probe under way on this instance, if any.
  private Future<Status> probe;

  Liveness(Vertx vertx, ProxyConfig config) {
    this.vertx = vertx;
    expected.put("cache", 1);
    expected.put("http", config.maxParallel());
    if (config.respPort() != 0) {
      expected.put("resp", config.maxParallel());
    }
  }

  /** Completes {@code result} with UP, or DOWN and the kinds that did not all answer in time. */
  void check(Promise<Status> result) {
    (probe != null ? probe : startProbe()).onComplete(result);
  }

  private Future<Status> startProbe() {
    String replyTo = replyPrefix + (++probes);
    Map<String, Integer> answered = new HashMap<>();
    Promise<Status> done = Promise.promise();
    MessageConsumer<String> answers = vertx.eventBus().localConsumer(replyTo, msg -> {
      answered.merge(msg.body(), 1, Integer::sum);
      if (shortOf(answered).isEmpty()) {
        done.tryComplete(Status.OK());
      }
    });
    long timer = vertx.setTimer(BOUND_MS, id -> done.tryComplete(Status.KO(shortOf(answered))));
    vertx.eventBus().publish(Heartbeat.ADDRESS, replyTo);
    probe = done.future();
    return probe.onComplete(ar -> {
      probe = null;
      vertx.cancelTimer(timer);
      answers.unregister();
    });
  }

  /** The kinds with fewer answers than instances, as {@code {"cache": "0 of 1 answered within 2000 ms"}}. */
  private JsonObject shortOf(Map<String, Integer> answered) {
    JsonObject missing = new JsonObject();
    expected.forEach((kind, instances) -> {
      int got = answered.getOrDefault(kind, 0);
      if (got < instances) {
        missing.put(kind, got + " of " + instances + " answered within " + BOUND_MS + " ms");
      }
    });
    return missing;
  }
}
