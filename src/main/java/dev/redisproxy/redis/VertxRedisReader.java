package dev.redisproxy.redis;

import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisReader;
import dev.redisproxy.cache.RedisValue;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.config.RedisBackend;
import dev.redisproxy.redis.RedisFailures.Problem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Redis with vertx-redis-client, in whichever mode the configuration names (one server,
 * Sentinel, Cluster; see {@link RedisClientOptions}), a value and its time to live in one round trip
 * ({@link ValueRead}: the commands, and why). Reads are pipelined over at most
 * {@code REDIS_POOL_SIZE} connections ({@link PipelinedRedis}; Cluster: one fewer per node), opened
 * on demand through the client's pool, so after Redis restarts or fails over the next read simply
 * opens a fresh connection to wherever the client now routes it: there is no reconnect loop to get
 * stuck. Connection attempts are bounded by {@code REDIS_TIMEOUT}; the caller bounds the read as a
 * whole, {@link RenewingRedis} replaces connections that leave a read unanswered that long, and
 * {@link InFlightLimit} bounds the reads under way by what the connections' pipelines hold.
 *
 * <p>Every failure leaves as a {@link LookupException} ({@link RedisFailures}). Refused credentials
 * and failed TLS handshakes need an operator, not a retry: they are logged once, until a read
 * succeeds again. When Redis refuses the handshake (a wrong password, say), vertx-redis-client 5.0.7
 * leaves the refused socket open, one per attempt, until Redis runs out of clients. So after a
 * refusal this reader fails misses at once for {@link #REFUSAL_HOLD_MS} without touching Redis, and
 * replaces the client: closing the old one closes the sockets it left behind.
 */
public final class VertxRedisReader implements RedisReader {

  /** How long misses fail at once after Redis refused the handshake, before connecting is tried again. */
  static final long REFUSAL_HOLD_MS = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(VertxRedisReader.class);

  private final Supplier<Redis> clients;
  private final String address;
  private final InFlightLimit inFlight;
  private final ValueRead reads;
  // Fields below are touched only on the caller's context (the cache verticle's), like the futures of get.
  private Redis client;
  // The problem last logged, so that it is logged once; null after a successful read.
  private Problem reported;
  // The handshake refusal that misses fail with until refusedAt + REFUSAL_HOLD_MS; null when none.
  private LookupException refusal;
  private long refusedAt;

  private VertxRedisReader(Supplier<Redis> clients, String address, InFlightLimit inFlight, ValueRead reads) {
    this.clients = clients;
    this.address = address;
    this.inFlight = inFlight;
    this.reads = reads;
    this.client = clients.get();
  }

  public static VertxRedisReader create(Vertx vertx, ProxyConfig config) {
    return create(vertx, config, config.maxValueSize());
  }

  /** As {@link #create(Vertx, ProxyConfig)}, reading values of at most {@code maxValue} bytes. */
  static VertxRedisReader create(Vertx vertx, ProxyConfig config, long maxValue) {
    RedisBackend backend = config.backend();
    if (backend.tls() != null && !backend.tls().verifyHostname()) {
      LOG.warn("REDIS_TLS_VERIFY_HOSTNAME is off: the Redis certificate is not checked against the host name,"
          + " so anyone holding a certificate from a trusted CA can impersonate Redis");
    }
    RedisOptions options = RedisClientOptions.of(config);
    // Cluster, a workaround: one pooled connection per node stays free for the slot map's refresh
    // (vertx-redis-client issue #541, fixed by pull request #550 in 5.0.10: with every pooled connection
    // held, the refresh, and with it every read, waits for good). ClusterPoolCanaryIT fails once an
    // upgrade fixes it; then every pooled connection can carry reads.
    int connections = backend.mode() == RedisBackend.Mode.CLUSTER ? backend.poolSize() - 1 : backend.poolSize();
    // A command without an answer for REDIS_TIMEOUT retires the client and its connections: see RenewingRedis.
    long stuckAfterMs = config.redisTimeout().toMillis();
    // Reads of one event-loop turn share a write, except in a Cluster, where their keys live on many nodes.
    boolean coalesce = backend.mode() != RedisBackend.Mode.CLUSTER;
    Context context = vertx.getOrCreateContext();
    return new VertxRedisReader(
        () -> RenewingRedis.create(vertx, () -> PipelinedRedis.create(Redis.createClient(vertx, options), connections,
            RedisClientOptions.TOPOLOGY_TTL_MS, coalesce, context), stuckAfterMs),
        config.redisAddress(),
        new InFlightLimit(readsUnderWay(connections), backend.poolWaiting()),
        new ValueRead(maxValue));
  }

  /**
   * Reads under way at once: as many as fill the connections' pipelines (each read pipelines
   * {@link ValueRead#COMMANDS} commands), but never more than an eighth of the heap's worth of first
   * reads ({@link ValueRead#SMALL_VALUE} bytes each); more wait, holding no bytes of a reply.
   */
  static int readsUnderWay(int connections) {
    long fill = (long) connections * RedisClientOptions.PIPELINE_DEPTH / ValueRead.COMMANDS;
    long bytes = Runtime.getRuntime().maxMemory() / 8 / ValueRead.SMALL_VALUE;
    return (int) Math.max(1, Math.min(fill, bytes));
  }

  @Override
  public Future<RedisValue> get(Key key) {
    if (refusal != null) {
      if (System.nanoTime() - refusedAt < TimeUnit.MILLISECONDS.toNanos(REFUSAL_HOLD_MS)) {
        return Future.failedFuture(refusal);
      }
      refusal = null;
    }
    return inFlight.submit(() -> send(key));
  }

  private Future<RedisValue> send(Key key) {
    Redis used = client;
    return reads.read(new ValueRead.Connection() {
      @Override
      public Future<ValueRead.Found> valueAndTtl(byte[] k, long last) {
        return VertxRedisReader.valueAndTtl(used, k, last);
      }

      @Override
      public Future<Long> length(byte[] k) {
        return used.batch(List.of(Request.cmd(Command.STRLEN).arg(k))).map(replies -> replies.get(0).toLong());
      }
    }, key)
        .transform(ar -> {
          if (ar.succeeded()) {
            reported = null;
            return Future.succeededFuture(ar.result());
          }
          LookupException failure = RedisFailures.classify(ar.cause());
          Problem problem = RedisFailures.problemOf(ar.cause());
          if (problem != null) {
            report(problem, failure);
            if (problem.refusal) {
              refuse(used, failure);
            }
          }
          return Future.failedFuture(failure);
        });
  }

  /** The value command and PTTL, pipelined on one connection of the client (PipelinedRedis's batch). */
  private static Future<ValueRead.Found> valueAndTtl(Redis redis, byte[] key, long last) {
    Request value = last < 0
        ? Request.cmd(Command.GET).arg(key)
        : Request.cmd(Command.GETRANGE).arg(key).arg(0).arg(last);
    return redis.batch(List.of(value, Request.cmd(Command.PTTL).arg(key))).map(replies -> {
      Response v = replies.get(0);
      return new ValueRead.Found(v == null ? null : v.toBuffer(), replies.get(1).toLong());
    });
  }

  @Override
  public Future<Void> ping() {
    return client.send(Request.cmd(Command.PING))
        .transform(ar -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.failedFuture(RedisFailures.classify(ar.cause())));
  }

  /** Holds misses off Redis for a while and swaps the client, closing the refused sockets it kept. */
  private void refuse(Redis used, LookupException failure) {
    refusal = failure;
    refusedAt = System.nanoTime();
    if (used == client) {
      client = clients.get();
      used.close().onFailure(e -> LOG.debug("Closing the refused Redis client failed", e));
    }
  }

  private void report(Problem problem, LookupException failure) {
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
