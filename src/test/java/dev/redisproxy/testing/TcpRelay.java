package dev.redisproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay between the proxy and a Redis, for faults that a local process cannot produce by
 * itself: connections that stay open but carry nothing, as after a network partition or when the
 * Redis host vanishes (a killed or paused process on the same machine always has its sockets
 * answered by the kernel). Each connection costs two threads; fine for a pool of a few.
 *
 * <p>{@link #blackhole()} makes every connection open now silent for good: bytes in either
 * direction are swallowed and the sockets are never closed. Connections accepted while the relay
 * is blackholed are silent too (the TCP handshake completes, nothing else does).
 * {@link #forwardTo(int)} forwards connections accepted from then on again, so a test can restart
 * Redis behind the relay; the silent ones stay half-dead. {@link #dropConnections()} closes every
 * connection open now, as a {@code CLIENT KILL} or a Redis restart would, but while Redis itself
 * may be stopped, so that the requests cut off with it are known.
 */
public final class TcpRelay implements AutoCloseable {

  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile int targetPort;
  private volatile boolean blackholed;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicLong forwarded = new AtomicLong();

  private TcpRelay(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "relay-accept-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  /** A relay on a free loopback port to {@code 127.0.0.1:targetPort} (0: set it later with {@link #forwardTo}). */
  public static TcpRelay start(int targetPort) throws IOException {
    return new TcpRelay(targetPort);
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "redis://127.0.0.1:" + port();
  }

  /** Every connection goes silent, and new ones are accepted but silent, until {@link #forwardTo}. */
  public void blackhole() {
    blackholed = true;
    links.forEach(Link::silence);
  }

  /** Connections accepted from now on are forwarded to this port; silenced ones stay silent. */
  public void forwardTo(int port) {
    targetPort = port;
    blackholed = false;
  }

  /** Connections accepted and not yet closed, silenced ones included. */
  public int openConnections() {
    return links.size();
  }

  /** Connections accepted since the relay started. */
  public int acceptedConnections() {
    return accepted.get();
  }

  /** Bytes passed on from the relay's clients to Redis since the relay started. */
  public long bytesForwarded() {
    return forwarded.get();
  }

  /** Closes every connection open now, both sides; the relay keeps accepting new ones. */
  public void dropConnections() {
    links.forEach(Link::closeAll);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        accepted.incrementAndGet();
        sockets.add(client);
        Link link = new Link(client);
        links.add(link);
        if (blackholed) {
          link.silence();
          link.pump(client, null, new AtomicLong());
        } else {
          link.connect(targetPort);
        }
      } catch (IOException e) {
        // closed, or one connection failed: carry on while the server socket is open
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }

  /** One client connection and, unless it was born silent, its upstream connection. */
  private final class Link {
    private final Socket client;
    private volatile Socket upstream;
    private volatile boolean silent;

    Link(Socket client) {
      this.client = client;
    }

    void silence() {
      silent = true;
    }

    void connect(int port) {
      try {
        upstream = new Socket(InetAddress.getLoopbackAddress(), port);
        sockets.add(upstream);
        pump(client, upstream, forwarded);
        pump(upstream, client, new AtomicLong());
      } catch (IOException refused) {
        // Like a server that is not there: the client sees its connection closed.
        closeAll();
      }
    }

    /** Copies {@code from} to {@code to}, counting, until either closes; swallows the bytes once silent. */
    void pump(Socket from, Socket to, AtomicLong count) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
          int n;
          while ((n = in.read(buf)) >= 0) {
            if (!silent && to != null) {
              OutputStream out = to.getOutputStream();
              out.write(buf, 0, n);
              out.flush();
              count.addAndGet(n);
            }
          }
        } catch (IOException closed) {
          // fall through
        }
        if (!silent) {
          closeAll();
        }
      }, "relay-pump");
      t.setDaemon(true);
      t.start();
    }

    private void closeAll() {
      links.remove(this);
      try {
        client.close();
        if (upstream != null) {
          upstream.close();
        }
      } catch (IOException ignored) {
        // already closed
      }
    }
  }
}
