package dev.redisproxy.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.Arrays;

/**
 * The ceilings the proxy is measured against: a bare Vert.x TCP server that reads RESP commands
 * and answers each with one fixed bulk reply, and a bare Vert.x HTTP server that answers every
 * request with a fixed body. Same Vert.x, same transport options and instance count as the
 * proxy, no cache, no event bus: what the framework itself can do on this machine.
 *
 * <p>{@code java -cp ... dev.redisproxy.bench.BareServers RESP_PORT HTTP_PORT VALUE_BYTES INSTANCES}
 */
public final class BareServers {

  private BareServers() {
  }

  public static void main(String[] args) {
    int respPort = Integer.parseInt(args[0]);
    int httpPort = Integer.parseInt(args[1]);
    int valueBytes = Integer.parseInt(args[2]);
    int instances = Integer.parseInt(args[3]);
    byte[] value = new byte[valueBytes];
    Arrays.fill(value, (byte) 'x');
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    Buffer bulk = Buffer.buffer("$" + valueBytes + "\r\n").appendBytes(value).appendString("\r\n");
    Buffer body = Buffer.buffer(value);
    DeploymentOptions options = new DeploymentOptions().setInstances(instances);
    vertx.deployVerticle(() -> new RespCeiling(respPort, bulk), options)
        .compose(id -> vertx.deployVerticle(() -> new HttpCeiling(httpPort, body), options))
        .await();
    System.err.println("bare servers up: RESP " + respPort + ", HTTP " + httpPort
        + ", native transport " + vertx.isNativeTransportEnabled());
  }

  /** Answers every RESP command (multibulk or inline) with the same bulk reply, in one write per read. */
  static final class RespCeiling extends VerticleBase {
    private final int port;
    private final Buffer reply;

    RespCeiling(int port, Buffer reply) {
      this.port = port;
      this.reply = reply;
    }

    @Override
    public Future<?> start() {
      return vertx.createNetServer(new NetServerOptions().setPort(port).setTcpNoDelay(true))
          .connectHandler(this::serve).listen();
    }

    private void serve(NetSocket socket) {
      CommandCounter counter = new CommandCounter();
      socket.handler(chunk -> {
        int n = counter.feed(chunk);
        if (n == 1) {
          socket.write(reply);
        } else if (n > 1) {
          Buffer out = Buffer.buffer(reply.length() * n);
          for (int i = 0; i < n; i++) {
            out.appendBuffer(reply);
          }
          socket.write(out);
        }
      });
    }
  }

  /**
   * Counts complete RESP commands in a byte stream: multibulk frames ({@code *N} then N bulk
   * strings) and inline lines. Only what a ceiling needs: no limits, no error handling.
   */
  static final class CommandCounter {
    private byte[] pending = new byte[0];

    int feed(Buffer chunk) {
      byte[] data = concat(pending, chunk.getBytes());
      int pos = 0;
      int commands = 0;
      while (true) {
        int end = frameEnd(data, pos);
        if (end < 0) {
          break;
        }
        pos = end;
        commands++;
      }
      pending = Arrays.copyOfRange(data, pos, data.length);
      return commands;
    }

    private static int frameEnd(byte[] d, int pos) {
      int eol = lineEnd(d, pos);
      if (eol < 0) {
        return -1;
      }
      if (d[pos] != '*') {
        return eol + 2;
      }
      int count = Integer.parseInt(new String(d, pos + 1, eol - pos - 1));
      int p = eol + 2;
      for (int i = 0; i < count; i++) {
        int e = lineEnd(d, p);
        if (e < 0) {
          return -1;
        }
        int len = Integer.parseInt(new String(d, p + 1, e - p - 1));
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
      if (a.length == 0) {
        return b;
      }
      byte[] out = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }

  /** Answers every HTTP request with the same body. */
  static final class HttpCeiling extends VerticleBase {
    private final int port;
    private final Buffer body;

    HttpCeiling(int port, Buffer body) {
      this.port = port;
      this.body = body;
    }

    @Override
    public Future<?> start() {
      CharSequence octet = HttpHeaders.createOptimized("application/octet-stream");
      return vertx.createHttpServer(new HttpServerOptions().setPort(port).setTcpNoDelay(true))
          .requestHandler(req -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, octet).end(body))
          .listen();
    }
  }
}
