package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.config.RedisBackend;
import dev.redisproxy.redis.ReplyParser.ErrorReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.redis.client.impl.RedisURI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the sentinels say the master is: {@code SENTINEL GET-MASTER-ADDR-BY-NAME}, asked of each
 * sentinel in turn until one answers, as vertx-redis-client asks them for its pool. For the tracking
 * connection, which the client's pool cannot carry ({@link TrackingConnection}).
 *
 * <p>Each question opens a connection of its own and closes it after the answer: the tracking reader
 * asks once a second at most, and a connection that is never held cannot go stale. The sentinels get
 * the same credentials and TLS as the master, as vertx-redis-client gives them. Futures complete on
 * the context that asked.
 */
final class SentinelMaster {

  private static final byte[] CRLF = {'\r', '\n'};

  private final NetClient net;
  private final List<String> sentinels;
  private final String masterName;
  private final String user;
  private final String password;
  private final boolean tls;
  private final Duration timeout;

  SentinelMaster(NetClient net, RedisBackend backend, Duration timeout) {
    this.net = net;
    this.sentinels = backend.endpoints();
    this.masterName = backend.masterName();
    this.user = backend.user();
    this.password = backend.password();
    this.tls = backend.tls() != null;
    this.timeout = timeout;
  }

  /** The master's URI ({@code redis[s]://host:port}) per the first sentinel that answers; else the last failure. */
  Future<RedisURI> master() {
    ContextInternal context = ContextInternal.current();
    Future<RedisURI> answer = ask(sentinels.get(0));
    for (String sentinel : sentinels.subList(1, sentinels.size())) {
      answer = answer.recover(err -> ask(sentinel));
    }
    Promise<RedisURI> onContext = context != null ? context.promise() : Promise.promise();
    answer.onComplete(onContext);
    return onContext.future();
  }

  private Future<RedisURI> ask(String sentinel) {
    RedisURI uri = new RedisURI(sentinel);
    String where = "sentinel " + uri.socketAddress().host() + ":" + uri.socketAddress().port();
    return net.connect(new ConnectOptions().setRemoteAddress(uri.socketAddress()).setSsl(tls))
        .recover(err -> Future.failedFuture(RedisFailures.classify(err)))
        .compose(socket -> exchange(socket, where)
            .timeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .recover(err -> Future.failedFuture(err instanceof LookupException ? err
                : new LookupException(Failure.TIMEOUT, where + " did not answer within " + timeout.toMillis() + " ms")))
            .eventually(socket::close))
        .compose(reply -> masterOf(reply, where));
  }

  /** Says HELLO (with the credentials) and asks for the master in one write; the two replies. */
  private Future<List<Object>> exchange(NetSocket socket, String where) {
    Promise<List<Object>> replies = Promise.promise();
    List<Object> frames = new ArrayList<>();
    ReplyParser parser = new ReplyParser(frame -> {
      if (!(frame instanceof ReplyParser.Push)) {
        frames.add(frame);
        if (frames.size() == 2) {
          replies.tryComplete(frames);
        }
      }
    });
    socket.handler(bytes -> {
      try {
        parser.handle(bytes);
      } catch (ReplyParser.ProtocolError e) {
        replies.tryFail(new LookupException(Failure.UNAVAILABLE, where + " does not speak RESP3: " + e.getMessage()));
      }
    });
    socket.closeHandler(v -> replies.tryFail(new LookupException(Failure.UNAVAILABLE, where + " closed the connection")));
    List<Object> hello = new ArrayList<>(List.of("HELLO", "3"));
    if (password != null) {
      hello.addAll(List.of("AUTH", user == null ? "default" : user, password));
    }
    Buffer request = Buffer.buffer();
    command(request, hello);
    command(request, List.of("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName));
    socket.write(request);
    return replies.future();
  }

  private Future<RedisURI> masterOf(List<Object> replies, String where) {
    for (Object reply : replies) {
      if (reply instanceof ErrorReply error) {
        return Future.failedFuture(new LookupException(Failure.UNAVAILABLE, where + " answered " + error.message()));
      }
    }
    if (replies.get(1) instanceof List<?> hostPort && hostPort.size() == 2
        && hostPort.get(0) instanceof Buffer host && hostPort.get(1) instanceof Buffer port) {
      String h = host.toString(StandardCharsets.UTF_8);
      String authority = (h.contains(":") ? "[" + h + "]" : h) + ":" + port.toString(StandardCharsets.UTF_8);
      return Future.succeededFuture(new RedisURI((tls ? "rediss://" : "redis://") + authority));
    }
    return Future.failedFuture(new LookupException(Failure.UNAVAILABLE, where + " knows no master named '"
        + masterName + "' (answered " + replies.get(1) + ")"));
  }

  private static void command(Buffer out, List<?> args) {
    out.appendString("*" + args.size() + "\r\n");
    for (Object arg : args) {
      byte[] bytes = String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
      out.appendString("$" + bytes.length + "\r\n").appendBytes(bytes).appendBytes(CRLF);
    }
  }
}
