package dev.redisproxy.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The miss path's ceiling on this stack: a bare RESP server that forwards every {@code GET key} to
 * Redis over one held vertx-redis-client connection per instance, with no cache, no event bus and
 * no TTL read. The commands of one socket read go to Redis as one {@code batch} (one write), the
 * most favourable way to use the client; replies go back in order, in one write per batch. What a
 * plain proxy built on vertx-redis-client does on this machine, beside which {@code make bench}
 * puts the proxy's misses: the part of a miss that is the library's.
 *
 * <p>{@code java -cp ... dev.redisproxy.bench.BareForwarder PORT REDIS_PORT INSTANCES}
 */
public final class BareForwarder {

  private BareForwarder() {
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int redisPort = Integer.parseInt(args[1]);
    int instances = Integer.parseInt(args[2]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    RedisOptions options = new RedisOptions().setConnectionString("redis://127.0.0.1:" + redisPort)
        .setMaxWaitingHandlers(1 << 16);
    vertx.deployVerticle(() -> new Forwarder(port, options), new DeploymentOptions().setInstances(instances)).await();
    System.err.println("bare forwarder up: RESP " + port + " -> Redis " + redisPort + ", " + instances + " instance(s)");
  }

  /** One instance: its own connection to Redis, its share of the client connections. */
  static final class Forwarder extends VerticleBase {
    private final int port;
    private final RedisOptions options;
    private RedisConnection redis;

    Forwarder(int port, RedisOptions options) {
      this.port = port;
      this.options = options;
    }

    @Override
    public Future<?> start() {
      return Redis.createClient(vertx, options).connect()
          .compose(conn -> {
            redis = conn;
            return vertx.createNetServer(new NetServerOptions().setPort(port).setTcpNoDelay(true))
                .connectHandler(this::serve).listen();
          });
    }

    private void serve(NetSocket socket) {
      KeyReader commands = new KeyReader();
      // Replies leave in request order: each batch waits for the one before it.
      Future<?>[] previous = {Future.succeededFuture()};
      socket.handler(chunk -> {
        List<Request> gets = new ArrayList<>();
        for (byte[] key : commands.feed(chunk)) {
          gets.add(Request.cmd(Command.GET).arg(key));
        }
        if (gets.isEmpty()) {
          return;
        }
        Future<List<Response>> replies = redis.batch(gets);
        Future<?> before = previous[0];
        previous[0] = before.transform(ignored -> replies).andThen(ar -> {
          Buffer out = Buffer.buffer();
          if (ar.failed()) {
            out.appendString("-ERR " + ar.cause().getMessage() + "\r\n");
          } else {
            for (Response r : ar.result()) {
              if (r == null) {
                out.appendString("$-1\r\n");
              } else {
                Buffer v = r.toBuffer();
                out.appendString("$" + v.length() + "\r\n").appendBuffer(v).appendString("\r\n");
              }
            }
          }
          socket.write(out);
        });
      });
    }
  }

  /** The key of each complete {@code *2 GET key} frame in a byte stream; nothing else is expected. */
  static final class KeyReader {
    private byte[] pending = new byte[0];

    List<byte[]> feed(Buffer chunk) {
      byte[] d = pending.length == 0 ? chunk.getBytes() : concat(pending, chunk.getBytes());
      List<byte[]> keys = new ArrayList<>();
      int pos = 0;
      while (true) {
        int[] arg = new int[2];
        int end = frame(d, pos, arg);
        if (end < 0) {
          break;
        }
        keys.add(Arrays.copyOfRange(d, arg[0], arg[0] + arg[1]));
        pos = end;
      }
      pending = Arrays.copyOfRange(d, pos, d.length);
      return keys;
    }

    /** The end of the frame at {@code pos}, with its last argument's offset and length; -1 if incomplete. */
    private static int frame(byte[] d, int pos, int[] last) {
      int eol = lineEnd(d, pos);
      if (eol < 0) {
        return -1;
      }
      int count = Integer.parseInt(new String(d, pos + 1, eol - pos - 1, StandardCharsets.US_ASCII));
      int p = eol + 2;
      for (int i = 0; i < count; i++) {
        int e = lineEnd(d, p);
        if (e < 0) {
          return -1;
        }
        int len = Integer.parseInt(new String(d, p + 1, e - p - 1, StandardCharsets.US_ASCII));
        last[0] = e + 2;
        last[1] = len;
        p = e + 2 + len + 2;
        if (p > d.length) {
          return -1;
        }
      }
      return p;
    }

    private static int lineEnd(byte[] d, int from) {
      for (int i = from; i + 1 < d.length; i++) {
        if (d[i] == '\r' && d[i + 1] == '\n') {
          return i;
        }
      }
      return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] out = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }
}
