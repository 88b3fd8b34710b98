package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.InvalidationListener;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.redis.ReplyParser.ErrorReply;
import dev.redisproxy.redis.ReplyParser.Push;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.redis.client.impl.RedisURI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One connection to Redis speaking RESP3 with {@code CLIENT TRACKING ON}: Redis remembers every key
 * read on it and pushes {@code invalidate} frames on it when such a key changes. Reads are pipelined
 * on it. Because the reply to a read and the invalidations travel on the same connection, Redis
 * writes the reply before any invalidation caused by a later write, and the frames are handled in
 * that order on one event loop: a value is stored before the invalidation that concerns it arrives.
 *
 * <p>Why not a held vertx-redis-client {@code RedisConnection} (a workaround): in 5.0.7 a push frame
 * that arrives while commands are pending takes the place of the oldest one
 * ({@code RedisStandaloneConnection.handle} polls the queue before it looks at the frame's type). That
 * command never completes and every later reply goes to the command before its own: pipelined reads
 * would return other keys' values. Still so in 5.0.12 and on master; no upstream issue was found for
 * it. {@code PushFrameCanaryIT} asserts the bug against a real Redis and fails once an upgrade fixes
 * it: then this class can go, and the tracking reader can use a held connection with a push handler.
 *
 * <p>Used from the context that opened it (the cache verticle's) only: frames are handled on its loop
 * in arrival order, and the requests of one turn leave in one write ({@link TurnWriter}).
 */
final class TrackingConnection implements ValueRead.Connection {

  /** The name Redis shows for this connection in CLIENT LIST, so operators can tell it apart. */
  static final String CLIENT_NAME = "redis-proxy-tracking";

  // The context that opened the connection: replies complete their futures on it, in arrival order.
  private final ContextInternal context;
  private final NetSocket socket;
  private final ReplyParser parser;
  private final InvalidationListener listener;
  // Requests written and not answered, oldest first: Redis answers in request order.
  private final ArrayDeque<Promise<Object>> pending = new ArrayDeque<>();
  private Handler<String> closeHandler = reason -> { };
  private final TurnWriter out;
  // Why the connection ended; null while it is open.
  private String closedBecause;
  // What HELLO said the server is: master or replica.
  private String role;

  private TrackingConnection(ContextInternal context, NetSocket socket, InvalidationListener listener) {
    this.context = context;
    this.socket = socket;
    this.out = new TurnWriter(context, socket);
    this.listener = listener;
    this.parser = new ReplyParser(this::handleFrame);
    socket.handler(this::handleBytes);
    socket.closeHandler(v -> end("Redis closed the connection"));
    socket.exceptionHandler(err -> {
      if (err instanceof VirtualMachineError fatal) {
        throw fatal; // out of memory: Vert.x reports it to the process's handler, which ends the process
      }
      close(String.valueOf(err.getMessage()));
    });
  }

  /**
   * Connects, says {@code HELLO 3} (authenticating and naming the connection), selects the database of
   * the URL and turns tracking on. Fails with a {@link LookupException} if any step fails or the whole
   * takes longer than {@code timeout}; the socket is closed then.
   */
  static Future<TrackingConnection> open(Vertx vertx, NetClient client, RedisURI uri, String user, String password,
      boolean ssl, Duration timeout, InvalidationListener listener, TrackingMode mode) {
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    return client.connect(new ConnectOptions().setRemoteAddress(uri.socketAddress()).setSsl(ssl))
        .recover(err -> Future.failedFuture(RedisFailures.classify(err)))
        .compose(socket -> {
          TrackingConnection conn = new TrackingConnection(context, socket, listener);
          return conn.handshake(uri, user, password, mode)
              .timeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
              .transform(ar -> {
                if (ar.succeeded()) {
                  return Future.succeededFuture(conn);
                }
                conn.close("set-up failed");
                return Future.failedFuture(ar.cause() instanceof LookupException ? ar.cause()
                    : new LookupException(Failure.TIMEOUT, "Redis did not complete the tracking connection's set-up within "
                        + timeout.toMillis() + " ms"));
              });
        });
  }

  private Future<Void> handshake(RedisURI uri, String user, String password, TrackingMode mode) {
    List<Object> hello = new ArrayList<>(List.of("HELLO", "3"));
    String pass = uri.password() != null ? uri.password() : password;
    if (pass != null) {
      String name = uri.user() != null ? uri.user() : user;
      hello.addAll(List.of("AUTH", name == null ? "default" : name, pass));
    }
    hello.addAll(List.of("SETNAME", CLIENT_NAME));
    return send("HELLO 3", hello.toArray())
        .compose(this::speaksResp3)
        .compose(v -> uri.select() == null ? Future.succeededFuture() : send("SELECT", "SELECT", uri.select()))
        .compose(v -> send("CLIENT TRACKING ON", mode.command()))
        .mapEmpty();
  }

  /**
   * HELLO's answer is a map with {@code proto} 3: only then do invalidations arrive on this connection.
   * It names the server's role too, kept for {@link #master()}.
   */
  private Future<Object> speaksResp3(Object hello) {
    if (hello instanceof List<?> map) {
      boolean resp3 = false;
      for (int i = 0; i + 1 < map.size(); i += 2) {
        resp3 |= "proto".equals(text(map.get(i))) && Long.valueOf(3).equals(map.get(i + 1));
        if ("role".equals(text(map.get(i)))) {
          role = text(map.get(i + 1));
        }
      }
      if (resp3) {
        return Future.succeededFuture(hello);
      }
    }
    return Future.failedFuture(new LookupException(Failure.UNAVAILABLE, "HELLO 3 refused: Redis answered " + hello
        + " instead of switching to RESP3"));
  }

  /** {@code GETRANGE key 0 last} (or {@code GET}), then {@code PTTL key} (see {@link ValueRead}); Redis now reports the key's changes. */
  @Override
  public Future<ValueRead.Found> valueAndTtl(byte[] key, long last) {
    Buffer request = RespRequests.valueAndTtl(key, last);
    if (closedBecause != null) {
      return Future.failedFuture(closed());
    }
    Future<Object> value = expect();
    Future<Object> ttl = expect();
    out.write(request);
    return Future.join(value, ttl).transform(all -> {
      if (value.failed() || ttl.failed()) {
        return Future.failedFuture(value.failed() ? value.cause() : ttl.cause());
      }
      if ((value.result() == null || value.result() instanceof Buffer) && ttl.result() instanceof Long pttl) {
        return Future.succeededFuture(new ValueRead.Found((Buffer) value.result(), pttl));
      }
      return Future.failedFuture(new LookupException(Failure.REDIS_ERROR,
          "unexpected replies to a read: " + value.result() + ", " + ttl.result()));
    });
  }

  /** {@code STRLEN key}, on this connection, in order with the reads. */
  @Override
  public Future<Long> length(byte[] key) {
    if (closedBecause != null) {
      return Future.failedFuture(closed());
    }
    Buffer request = RespRequests.strlen(key);
    Future<Object> reply = expect();
    out.write(request);
    return reply.compose(n -> n instanceof Long length ? Future.succeededFuture(length)
        : Future.failedFuture(new LookupException(Failure.REDIS_ERROR, "unexpected reply to STRLEN: " + n)));
  }

  /** Succeeds when Redis answers PING: everything sent before it has been answered too. */
  Future<Void> ping() {
    return send("PING", "PING").mapEmpty();
  }

  /**
   * Sends a command of text arguments, pipelined after the reads, and completes with Redis's reply
   * (the reader's own questions, such as {@code CLUSTER SLOTS}); an error reply fails it as "step refused".
   */
  Future<Object> query(String step, Object... args) {
    return send(step, args);
  }

  /** Called once when the connection ends (closed by Redis, the network, or {@link #close}). */
  void closeHandler(Handler<String> handler) {
    closeHandler = handler;
    if (closedBecause != null) {
      handler.handle(closedBecause);
    }
  }

  /** Whether HELLO said this server is a master (not a replica); a Sentinel deployment reads the master only. */
  boolean master() {
    return "master".equals(role);
  }

  boolean isOpen() {
    return closedBecause == null;
  }

  /** Closes the socket; requests still pending fail, and no more frames are handed out. */
  void close(String reason) {
    end(reason);
    socket.close();
  }

  /** Sends a command of text and number arguments; an error reply fails the future with a message that names the step. */
  private Future<Object> send(String step, Object... args) {
    return write(RespRequests.text(args)).recover(err -> Future.failedFuture(err instanceof LookupException re
        && re.failure() == Failure.REDIS_ERROR ? new LookupException(Failure.UNAVAILABLE, step + " refused: " + re.getMessage()) : err));
  }

  private Future<Object> write(Buffer request) {
    if (closedBecause != null) {
      return Future.failedFuture(closed());
    }
    Future<Object> reply = expect();
    out.write(request);
    return reply;
  }


  /** The next reply Redis sends that is not a push: for a request about to be written. */
  private Future<Object> expect() {
    Promise<Object> reply = context.promise();
    pending.add(reply);
    return reply.future();
  }

  private void handleBytes(Buffer bytes) {
    try {
      parser.handle(bytes);
    } catch (ReplyParser.ProtocolError e) {
      close("not RESP3: " + e.getMessage());
    }
  }

  private void handleFrame(Object frame) {
    if (frame instanceof Push push) {
      handlePush(push);
      return;
    }
    Promise<Object> request = pending.poll();
    if (request == null) {
      close("Redis sent a reply nobody asked for");
    } else if (frame instanceof ErrorReply error) {
      request.fail(RedisFailures.errorReply(error.message()));
    } else {
      request.complete(frame);
    }
  }

  /** {@code >2 invalidate [key ...]}, or {@code >2 invalidate null} after FLUSHALL and FLUSHDB. Other pushes are not ours. */
  private void handlePush(Push push) {
    List<Object> items = push.items();
    if (items.size() != 2 || !"invalidate".equals(text(items.get(0)))) {
      return;
    }
    if (!(items.get(1) instanceof List<?> keys)) {
      listener.invalidateAll(false);
      return;
    }
    for (Object key : keys) {
      if (key instanceof Buffer b) {
        listener.invalidate(Key.wrap(b.getBytes()));
      }
    }
  }

  private static String text(Object frame) {
    return frame instanceof Buffer b ? b.toString(StandardCharsets.UTF_8) : String.valueOf(frame);
  }

  private void end(String reason) {
    if (closedBecause != null) {
      return;
    }
    closedBecause = reason;
    out.close();
    parser.stop();
    // The owner hears of it before any pending read fails, so it can stop trusting the cache first.
    closeHandler.handle(reason);
    LookupException failure = closed();
    Promise<Object> request;
    while ((request = pending.poll()) != null) {
      request.tryFail(failure);
    }
  }

  private LookupException closed() {
    return new LookupException(Failure.UNAVAILABLE, "tracking connection to Redis lost: " + closedBecause);
  }
}
