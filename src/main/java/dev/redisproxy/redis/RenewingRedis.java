package dev.redisproxy.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vertx-redis-client {@link Redis} that starts over with new connections when a command goes
 * unanswered for {@code REDIS_TIMEOUT}.
 *
 * <p>Why it exists: vertx-redis-client 5.0.7 puts no deadline on a reply, nor on the handshake of a
 * new connection. A connection that stays open but carries nothing (a Redis host that vanished
 * without resetting its connections, a network partition, a Redis hung for good) never ends, so
 * the commands pipelined on it, and every later one sent to it ({@link PipelinedRedis} keeps using
 * a connection until it ends), wait for ever, and the proxy never reads Redis again, even when
 * Redis is back. The client cannot close one of its connections (closing a pooled connection only
 * returns it to the pool), so the whole client is replaced: commands from then on go to a fresh
 * one, and the retired one is closed {@code REDIS_TIMEOUT} later, which closes its connections and
 * fails the commands still waiting on them. The delay gives every command sent through the retired
 * client its full {@code REDIS_TIMEOUT}: a replacement never cuts short a read that would have
 * been answered in time.
 *
 * <p>This is no deadline on the caller's read: the cache verticle arms that one (see
 * {@code CacheVerticle}). Noticing a stuck command needs no timer per command: commands are counted
 * by the half-{@code REDIS_TIMEOUT} tick in which they were sent, and a tick finds the client stuck
 * when a command sent at least {@code REDIS_TIMEOUT} ago (two ticks back) is still unanswered; so a
 * stuck command is noticed between 1 and 1.5 {@code REDIS_TIMEOUT} after it was sent.
 *
 * <p>A healthy Redis that answers within {@code REDIS_TIMEOUT} never causes a replacement; a
 * stalled one causes at most one per {@code REDIS_TIMEOUT}, since only commands sent through the
 * current client are counted. Used from one Vert.x context (the cache verticle's), so the timer
 * runs where the commands are sent and completed, and the fields need no locks.
 */
final class RenewingRedis implements Redis {

  private static final Logger LOG = LoggerFactory.getLogger(RenewingRedis.class);

  /** Commands sent during one tick and not answered yet. */
  private static final class Tick {
    int unanswered;
  }

  private final Vertx vertx;
  private final Supplier<Redis> clients;
  private final long timeoutMs;
  private final long watchdog;
  private Redis current;
  private boolean closed;
  // Clients replaced but not yet closed: close() must not leave their connections behind.
  private final Set<Redis> retired = new HashSet<>();
  // Commands sent through the current client, by tick: this one, the one before, the one before that.
  private Tick now = new Tick();
  private Tick previous = new Tick();
  private Tick older = new Tick();
  // Whether a command was answered since the last replacement: the first replacement of an outage
  // is logged, the ones that follow while Redis stays silent are not.
  private boolean answeredSinceRenewal = true;

  private RenewingRedis(Vertx vertx, Supplier<Redis> clients, long timeoutMs) {
    this.vertx = vertx;
    this.clients = clients;
    this.timeoutMs = timeoutMs;
    this.current = clients.get();
    this.watchdog = vertx.setPeriodic(Math.max(1, timeoutMs / 2), id -> tick());
  }

  /** A client made by {@code clients}, replaced by another from it when a command gets no answer in time. */
  static Redis create(Vertx vertx, Supplier<Redis> clients, long timeoutMs) {
    return new RenewingRedis(vertx, clients, Math.max(1, timeoutMs));
  }

  @Override
  public Future<Response> send(Request command) {
    return watch(current.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return watch(current.batch(commands));
  }

  /** A connection of the current client; one held by the caller is the caller's to close. */
  @Override
  public Future<RedisConnection> connect() {
    return current.connect();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(watchdog);
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(current.close());
    retired.forEach(client -> closing.add(client.close()));
    retired.clear();
    return Future.join(closing).mapEmpty();
  }

  private <T> Future<T> watch(Future<T> reply) {
    if (reply.isComplete()) {
      return reply;
    }
    Tick sent = now;
    sent.unanswered++;
    return reply.andThen(ar -> {
      sent.unanswered--;
      if (ar.succeeded()) {
        answeredSinceRenewal = true;
      }
    });
  }

  private void tick() {
    if (older.unanswered > 0 && !closed) {
      renew();
    }
    older = previous;
    previous = now;
    now = new Tick();
  }

  private void renew() {
    if (answeredSinceRenewal) {
      LOG.warn("A Redis command got no answer within {} ms: closing the connections to Redis and opening new ones",
          timeoutMs);
    }
    answeredSinceRenewal = false;
    Redis stuck = current;
    current = clients.get();
    // Commands of the retired client no longer count: only the current client can be found stuck.
    previous = new Tick();
    older = new Tick();
    now = new Tick();
    retired.add(stuck);
    vertx.setTimer(timeoutMs, id -> {
      if (retired.remove(stuck)) {
        stuck.close().onFailure(err -> LOG.debug("Closing a replaced Redis client failed", err));
      }
    });
  }
}
