package dev.redisproxy.redis;

import dev.redisproxy.cache.Key;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.config.RedisBackend;
import dev.redisproxy.redis.RedisFailures.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Redis with vertx-redis-client's pooled client, in whichever mode the configuration names
 * (one server, Sentinel, Cluster; see {@link RedisClientOptions}). The pool opens connections on
 * demand, so after Redis restarts or fails over the next read simply opens a fresh connection to
 * wherever the client now routes it: there is no reconnect loop to get stuck. Connection attempts
 * are bounded by {@code REDIS_TIMEOUT}; the caller bounds the read as a whole, and
 * {@link InFlightLimit} the number of reads under way.
 *
 * <p>Every failure leaves as a {@link RedisException} ({@link RedisFailures}). Refused credentials
 * and failed TLS handshakes need an operator, not a retry: they are logged once, until a read
 * succeeds again.
 */
public final class VertxRedisReader implements RedisReader {

  private static final Logger LOG = LoggerFactory.getLogger(VertxRedisReader.class);

  private final Redis client;
  private final String address;
  private final InFlightLimit inFlight;
  // The problem last logged, so that it is logged once; null after a successful read. Touched
  // only on the caller's context (the cache verticle's), like the futures of get.
  private Problem reported;

  private VertxRedisReader(Redis client, String address, InFlightLimit inFlight) {
    this.client = client;
    this.address = address;
    this.inFlight = inFlight;
  }

  public static VertxRedisReader create(Vertx vertx, ProxyConfig config) {
    RedisBackend backend = config.backend();
    if (backend.tls() != null && !backend.tls().verifyHostname()) {
      LOG.warn("REDIS_TLS_VERIFY_HOSTNAME is off: the Redis certificate is not checked against the host name,"
          + " so anyone holding a certificate from a trusted CA can impersonate Redis");
    }
    // Cluster: one pooled connection per node stays free for the slot map's refresh (see InFlightLimit).
    int limit = backend.mode() == RedisBackend.Mode.CLUSTER ? backend.poolSize() - 1 : backend.poolSize();
    return new VertxRedisReader(Redis.createClient(vertx, RedisClientOptions.of(config)), config.redisAddress(),
        new InFlightLimit(limit, backend.poolWaiting()));
  }

  @Override
  public Future<Buffer> get(Key key) {
    return inFlight.submit(() -> send(key));
  }

  private Future<Buffer> send(Key key) {
    return client.send(Request.cmd(Command.GET).arg(key.toBytes()))
        .transform(ar -> {
          if (ar.succeeded()) {
            reported = null;
            Response r = ar.result();
            return Future.succeededFuture(r == null ? null : r.toBuffer());
          }
          RedisException failure = RedisFailures.classify(ar.cause());
          Problem problem = RedisFailures.problemOf(ar.cause());
          if (problem != null) {
            report(problem, failure);
          }
          return Future.failedFuture(failure);
        });
  }

  private void report(Problem problem, RedisException failure) {
    if (problem == reported) {
      return;
    }
    reported = problem;
    LOG.error("{} at {} ({}). Reads that miss the cache fail until this is fixed: check {}", problem.summary,
        address, failure.getMessage().substring(problem.summary.length() + 2), problem.check);
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }
}
