package dev.redisproxy.resp;

import dev.redisproxy.cache.CacheClient;
import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.cache.Heartbeat;
import dev.redisproxy.config.ProxyConfig;
import dev.redisproxy.frontend.ReplyBudget;
import dev.redisproxy.metrics.ProxyMetrics;
import dev.redisproxy.security.AuthFailures;
import dev.redisproxy.security.ConnectionGate;
import dev.redisproxy.security.ServerTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The RESP front end: Redis clients ({@code redis-cli}, {@code redis-benchmark}, Jedis, Lettuce,
 * node-redis, ioredis) talk to the proxy on {@code RESP_PORT}, in RESP2 or, after {@code HELLO 3},
 * RESP3. Deployed {@code MAX_PARALLEL} times; the instances share
 * the listening port. Like the HTTP front end it never touches the cache: its connections look
 * keys up through this instance's {@link CacheClient}. Each connection is a {@link RespConnection}.
 */
public final class RespVerticle extends VerticleBase {

  /** How long shutdown waits for replies in flight before closing connections. */
  static final long SHUTDOWN_GRACE_MS = 10_000;

  /** What Redis sends a client past {@code maxclients} before closing; so does the proxy. */
  private static final Buffer MAX_CLIENTS = RespEncoder.error("ERR max number of clients reached");
  // CLIENT ID values: unique in the process, like Redis's, across all instances' event loops.
  private static final AtomicLong CLIENT_IDS = new AtomicLong();

  private final ProxyConfig config;
  private final ConnectionGate gate;
  private final ProxyMetrics metrics;
  private CacheClient cache;
  private Commands commands;
  // The bytes all this instance's connections may hold for their clients.
  private ReplyBudget budget;
  private NetServer server;

  public RespVerticle(ProxyConfig config, ConnectionGate gate, ProxyMetrics metrics) {
    this.config = config;
    this.gate = gate;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    long lookupTimeoutMs = config.redisTimeout().toMillis() + CacheVerticle.ANSWER_SLACK_MS;
    RespOutcomes outcomes = RespOutcomes.register(metrics);
    AuthFailures authFailures = new AuthFailures("resp", metrics.authFailures("resp"));
    RespAuth auth = config.security().authRequired() ? new RespAuth(config.security().password(), authFailures) : null;
    Info info = new Info(vertx, config, gate, new DeliveryOptions().setSendTimeout(lookupTimeoutMs));
    commands = new Commands(info, auth, config.security().keyPatterns(), outcomes);
    budget = ReplyBudget.forInstance(Runtime.getRuntime().maxMemory(), config.maxParallel());
    budget.publishTo(metrics.heldBytes("resp", budget.max()));
    NetServerOptions options = new NetServerOptions()
        .setPort(config.respPort())
        .setTcpNoDelay(true)
        .setReadIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.clientIdleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    server = vertx.createNetServer(ServerTls.apply(options, config.security())).connectHandler(this::handleConnection);
    return Heartbeat.answer(vertx, "resp").compose(v -> CacheClient.open(vertx, lookupTimeoutMs)).compose(client -> {
      cache = client;
      return server.listen();
    });
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(SHUTDOWN_GRACE_MS, TimeUnit.MILLISECONDS).eventually(() -> cache.close());
  }

  /** The port actually bound (useful with port 0 in tests). */
  public int actualPort() {
    return server.actualPort();
  }

  private void handleConnection(NetSocket socket) {
    if (!gate.tryAcquire()) {
      socket.write(MAX_CLIENTS).onComplete(ar -> socket.close());
      return;
    }
    RespConnection conn = new RespConnection(socket, context, cache, commands, budget, CLIENT_IDS.incrementAndGet());
    conn.start(gate::release, config.clientIdleTimeout().toMillis());
  }
}
