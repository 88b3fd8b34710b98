package dev.redisproxy.redis;

import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.Failure;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vertx-redis-client {@link Redis} whose commands are answered within {@code REDIS_TIMEOUT}, by
 * Redis or by a {@link Failure#TIMEOUT}, and which starts over with new connections when a command
 * goes unanswered that long.
 *
 * <p>Why it exists: vertx-redis-client 5.0.7 puts no deadline on a reply, nor on the handshake of a
 * new connection. A connection that stays open but carries nothing (a Redis host that vanished
 * without resetting its connections, a network partition, a Redis hung for good) never ends, so
 * the commands pipelined on it, and every later one sent to it ({@link PipelinedRedis} keeps using
 * a connection until it ends), wait for ever, and the proxy never reads Redis again, even when
 * Redis is back. The client cannot close one of its connections (closing a pooled connection only
 * returns it to the pool), so the whole client is replaced: commands from then on go to a fresh
 * one, and the retired one is closed {@code REDIS_TIMEOUT} later, which closes its connections.
 * The delay gives every command sent through the retired client its full {@code REDIS_TIMEOUT}: a
 * replacement never cuts short a read that would have been answered in time.
 *
 * <p>The caller's future fails at {@code REDIS_TIMEOUT} even while the command itself still waits
 * on a retired connection, so whatever the caller bounds by commands under way (the reader's
 * {@link InFlightLimit}) is free again at once, and new reads reach the fresh client.
 *
 * <p>A healthy Redis that answers within {@code REDIS_TIMEOUT} never causes a replacement; a
 * stalled one causes at most one per {@code REDIS_TIMEOUT}, since only a command sent through the
 * current client can retire it. Used from one Vert.x context (the cache verticle's), so the timers
 * run where the commands are sent.
 */
final class RenewingRedis implements Redis {

  private static final Logger LOG = LoggerFactory.getLogger(RenewingRedis.class);

  private final Vertx vertx;
  private final Supplier<Redis> clients;
  private final long timeoutMs;
  private volatile Redis current;
  private volatile boolean closed;
  // Clients replaced but not yet closed: close() must not leave their connections behind.
  private final Set<Redis> retired = new HashSet<>();
  // Whether a command was answered since the last replacement: the first replacement of an outage
  // is logged, the ones that follow while Redis stays silent are not.
  private boolean answeredSinceRenewal = true;

  private RenewingRedis(Vertx vertx, Supplier<Redis> clients, long timeoutMs) {
    this.vertx = vertx;
    this.clients = clients;
    this.timeoutMs = timeoutMs;
    this.current = clients.get();
  }

  /** A client made by {@code clients}, replaced by another from it when a command gets no answer in time. */
  static Redis create(Vertx vertx, Supplier<Redis> clients, long timeoutMs) {
    return new RenewingRedis(vertx, clients, Math.max(1, timeoutMs));
  }

  @Override
  public Future<Response> send(Request command) {
    Redis used = current;
    return watch(used, used.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    Redis used = current;
    return watch(used, used.batch(commands));
  }

  /** A connection of the current client; one held by the caller is the caller's to close. */
  @Override
  public Future<RedisConnection> connect() {
    return current.connect();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(current.close());
    retired.forEach(client -> closing.add(client.close()));
    retired.clear();
    return Future.join(closing).mapEmpty();
  }

  private <T> Future<T> watch(Redis used, Future<T> reply) {
    if (reply.isComplete()) {
      return reply;
    }
    reply.onSuccess(r -> answeredSinceRenewal = true);
    return reply.timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(err -> {
      if (!(err instanceof TimeoutException)) {
        return Future.failedFuture(err);
      }
      renew(used);
      return Future.failedFuture(new LookupException(Failure.TIMEOUT,
          "Redis did not answer within " + timeoutMs + " ms"));
    });
  }

  private void renew(Redis stuck) {
    if (stuck != current || closed) {
      return;
    }
    if (answeredSinceRenewal) {
      LOG.warn("A Redis command got no answer within {} ms: closing the connections to Redis and opening new ones",
          timeoutMs);
    }
    answeredSinceRenewal = false;
    current = clients.get();
    retired.add(stuck);
    vertx.setTimer(timeoutMs, id -> {
      if (retired.remove(stuck)) {
        stuck.close().onFailure(err -> LOG.debug("Closing a replaced Redis client failed", err));
      }
    });
  }
}
