package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * Reads Redis with vertx-redis-client's pooled client. The pool opens connections on demand, so
 * after Redis restarts the next read simply opens a fresh connection: there is no reconnect loop
 * to get stuck. Connection attempts are bounded by {@code REDIS_TIMEOUT}; the caller bounds the
 * read as a whole.
 */
public final class VertxRedisReader implements RedisReader {

  /** Connections to Redis; reads are pipelined on them, so a few suffice. */
  static final int POOL_SIZE = 8;
  /** Reads waiting for a pooled connection before the client refuses more. */
  static final int POOL_WAITING = 4096;
  /** Reads pipelined on one connection before the client refuses more. */
  static final int PIPELINE_DEPTH = 2048;
  /** The pool's label in Vert.x's pool metrics ({@code vertx_pool_*}), instead of a random id. */
  static final String POOL_NAME = "redis-proxy";

  /**
   * What the client fails pending requests with when the connection drops (Redis killed or
   * restarted). It comes as an error {@link Response}, like a Redis error reply, but it means
   * Redis is unreachable, not that it refused the command.
   */
  private static final String CONNECTION_CLOSED = "CONNECTION_CLOSED";

  private final Redis client;

  private VertxRedisReader(Redis client) {
    this.client = client;
  }

  public static VertxRedisReader create(Vertx vertx, ProxyConfig config) {
    int connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, config.redisTimeout().toMillis());
    RedisOptions options = new RedisOptions()
        .setConnectionString(config.redisConnectionString())
        .setMaxPoolSize(POOL_SIZE)
        .setPoolName(POOL_NAME)
        .setMaxPoolWaiting(POOL_WAITING)
        .setMaxWaitingHandlers(PIPELINE_DEPTH)
        .setNetClientOptions(new NetClientOptions()
            .setConnectTimeout(Math.max(1, connectTimeoutMs))
            .setTcpNoDelay(true)
            .setTcpKeepAlive(true));
    // A command without an answer for REDIS_TIMEOUT retires the client and its pool: see RenewingRedis.
    return new VertxRedisReader(RenewingRedis.create(vertx, () -> Redis.createClient(vertx, options),
        config.redisTimeout().toMillis()));
  }

  @Override
  public Future<Buffer> get(Key key) {
    return client.send(Request.cmd(Command.GET).arg(key.toBytes()))
        .transform(ar -> {
          if (ar.succeeded()) {
            Response r = ar.result();
            return Future.succeededFuture(r == null ? null : r.toBuffer());
          }
          return Future.failedFuture(classify(ar.cause()));
        });
  }

  @Override
  public Future<Void> ping() {
    return client.send(Request.cmd(Command.PING))
        .transform(ar -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.failedFuture(classify(ar.cause())));
  }

  static RedisException classify(Throwable t) {
    if (t instanceof RedisException re) {
      return re;
    }
    if (t instanceof Response) {
      if (CONNECTION_CLOSED.equals(t.getMessage())) {
        return new RedisException(Failure.UNAVAILABLE, "connection to Redis closed");
      }
      // An error reply from Redis itself, e.g. WRONGTYPE.
      return new RedisException(Failure.REDIS_ERROR, t.getMessage());
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return new RedisException(Failure.UNAVAILABLE, message);
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }
}
