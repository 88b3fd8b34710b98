import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay that holds every chunk it reads for {@code delay_us} microseconds before writing it
 * on, each way: a remote Redis for {@code make bench} (scripts/bench.sh) on machines without netem.
 *
 * <p>Each chunk is stamped when it is read and goes out at stamp + delay, so the delay does not
 * add up under load: chunks read in the same instant leave together. With one delay for all, the
 * chunks are due in the order they were read, so one FIFO for all connections is the schedule, and
 * a connection's bytes keep their order. One thread reads (a selector); another sleeps until the
 * oldest chunk is due and writes it and every other one due by then ({@code Selector.select}
 * counts whole milliseconds, too coarse to wait with). A timed sleep ends tens of microseconds
 * late (the kernel's timer slack, the wake-up), so the writer aims that much early, as measured so
 * far, and a chunk goes once it is due within that margin: the hold is the delay on average, not
 * the delay plus the wake-up. Without delay the reading thread writes at once.
 *
 * <p>A direction holding more than {@link #BACKLOG_LIMIT} bytes stops reading its source until it
 * drains. An end of stream travels the same way, after the bytes before it. On SIGTERM it prints
 * to stderr how long chunks were held: {@code chunks=N hold_p50_us= hold_p99_us= hold_mean_us=}.
 *
 * <p>Run: {@code java scripts/bench/DelayRelay.java listen=PORT target=PORT [host=127.0.0.1]
 * [delay_us=500]}.
 */
public final class DelayRelay {

  private static final int BACKLOG_LIMIT = 4 * 1024 * 1024;
  // How long the writer sleeps at most while a socket it writes to is full.
  private static final long BACKLOG_RETRY_NANOS = 100_000;
  private static final ByteBuffer END = ByteBuffer.allocate(0);

  private final Selector selector = Selector.open();
  private final InetSocketAddress target;
  private final long delayNanos;
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
  // Chunks read and not yet written, oldest first: added by the reader, taken by the writer.
  private final ConcurrentLinkedQueue<Chunk> delayed = new ConcurrentLinkedQueue<>();
  private final Thread writer = new Thread(this::runWriter, "relay-writer");
  private volatile boolean writerIdle;
  // The writer's own state: directions whose socket was full, how late its sleeps end, hold times in µs.
  private final Set<Direction> backlogged = new LinkedHashSet<>();
  private long margin;
  private final long[] held = new long[20_000];

  private DelayRelay(InetSocketAddress target, long delayNanos) throws IOException {
    this.target = target;
    this.delayNanos = delayNanos;
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String host = a.getOrDefault("host", "127.0.0.1");
    InetSocketAddress listen = new InetSocketAddress("127.0.0.1", Integer.parseInt(a.get("listen")));
    InetSocketAddress target = new InetSocketAddress(host, Integer.parseInt(a.get("target")));
    DelayRelay relay = new DelayRelay(target, Long.parseLong(a.getOrDefault("delay_us", "500")) * 1000);
    Runtime.getRuntime().addShutdownHook(new Thread(relay::summary));
    relay.run(listen);
  }

  private void run(InetSocketAddress listen) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(listen, 1024);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    writer.setDaemon(true);
    writer.start();
    for (;;) {
      selector.select();
      for (SelectionKey k : selector.selectedKeys()) {
        if (k.isAcceptable()) {
          accept(server);
        } else if (k.isValid() && k.isWritable()) {
          ((Side) k.attachment()).inbound.flush();
        }
        if (k.isValid() && k.isReadable()) {
          ((Side) k.attachment()).outbound.read();
        }
      }
      selector.selectedKeys().clear();
    }
  }

  private void runWriter() {
    for (;;) {
      Chunk oldest = delayed.peek();
      if (oldest == null && backlogged.isEmpty()) {
        writerIdle = true;
        if (delayed.peek() == null) {
          LockSupport.park(this);
        }
        writerIdle = false;
        continue;
      }
      long now = System.nanoTime();
      long wait = oldest == null ? BACKLOG_RETRY_NANOS : oldest.due - margin - now;
      if (!backlogged.isEmpty()) {
        wait = Math.min(wait, BACKLOG_RETRY_NANOS);
      }
      if (wait > 0) {
        LockSupport.parkNanos(this, wait);
        long late = System.nanoTime() - (now + wait);
        if (oldest != null && late >= 0 && now + wait == oldest.due - margin) {
          margin = Math.min(delayNanos / 2, (margin * 7 + late) / 8);
        }
      }
      retryBacklogs();
      release(System.nanoTime());
    }
  }

  private void release(long now) {
    for (Chunk c = delayed.peek(); c != null && c.due - margin - now <= 0; c = delayed.peek()) {
      delayed.poll();
      held[(int) Math.min(held.length - 1, Math.max(0, now - c.due + delayNanos) / 1000)]++;
      c.direction.deliver(c.bytes);
    }
  }

  private void retryBacklogs() {
    for (Direction d : backlogged.toArray(new Direction[0])) {
      d.flush();
    }
  }

  private void summary() {
    long n = 0;
    long sum = 0;
    for (int i = 0; i < held.length; i++) {
      n += held[i];
      sum += held[i] * i;
    }
    System.err.printf("chunks=%d hold_p50_us=%d hold_p99_us=%d hold_mean_us=%d%n",
        n, percentile(n, 0.50), percentile(n, 0.99), n == 0 ? 0 : sum / n);
  }

  private int percentile(long n, double p) {
    long seen = 0;
    for (int i = 0; i < held.length; i++) {
      seen += held[i];
      if (seen > 0 && seen >= p * n) {
        return i;
      }
    }
    return 0;
  }

  private void accept(ServerSocketChannel server) throws IOException {
    SocketChannel client = server.accept();
    if (client == null) {
      return;
    }
    SocketChannel upstream;
    try {
      upstream = SocketChannel.open(target);
    } catch (IOException e) {
      client.close();
      return;
    }
    Side a = new Side(client);
    Side b = new Side(upstream);
    Direction up = new Direction(a, b);
    Direction down = new Direction(b, a);
    a.outbound = up;
    a.inbound = down;
    b.outbound = down;
    b.inbound = up;
  }

  /** One socket of a relayed connection: its bytes go out by {@code outbound}, come in by {@code inbound}. */
  private final class Side {
    final SocketChannel ch;
    final SelectionKey key;
    Direction outbound;
    Direction inbound;

    Side(SocketChannel ch) throws IOException {
      this.ch = ch;
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      this.key = ch.register(selector, SelectionKey.OP_READ, this);
    }

    /** Any thread may call this: a change of interest takes effect at the selector's next select. */
    void interest(int op, boolean on) {
      try {
        if (on) {
          key.interestOpsOr(op);
        } else {
          key.interestOpsAnd(~op);
        }
      } catch (CancelledKeyException closed) {
        // the connection is gone: nothing to read or write
      }
    }
  }

  /**
   * The bytes read from {@code from}, held back, then written to {@code to} in order. Read by the
   * reading thread; written by the writer when there is a delay, else by the reading thread.
   */
  private final class Direction {
    final Side from;
    final Side to;
    // Due bytes the socket did not take yet; END stands for the end of stream.
    final ArrayDeque<ByteBuffer> backlog = new ArrayDeque<>();
    final AtomicLong heldBytes = new AtomicLong();
    volatile boolean paused;
    boolean sourceEnded;
    boolean ended;

    Direction(Side from, Side to) {
      this.from = from;
      this.to = to;
    }

    void read() {
      int n;
      try {
        scratch.clear();
        n = from.ch.read(scratch);
      } catch (IOException e) {
        close();
        return;
      }
      if (n == 0) {
        return;
      }
      ByteBuffer bytes = END;
      if (n < 0) {
        sourceEnded = true;
        from.interest(SelectionKey.OP_READ, false);
      } else {
        bytes = ByteBuffer.allocate(n).put(scratch.flip()).flip();
        if (heldBytes.addAndGet(n) > BACKLOG_LIMIT) {
          paused = true;
          from.interest(SelectionKey.OP_READ, false);
        }
      }
      if (delayNanos == 0) {
        deliver(bytes);
        return;
      }
      delayed.add(new Chunk(System.nanoTime() + delayNanos, this, bytes));
      if (writerIdle) {
        LockSupport.unpark(writer);
      }
    }

    void deliver(ByteBuffer bytes) {
      if (to.ch.isOpen()) {
        backlog.addLast(bytes);
        flush();
      }
    }

    void flush() {
      try {
        while (!backlog.isEmpty()) {
          ByteBuffer b = backlog.peekFirst();
          if (b == END) {
            to.ch.shutdownOutput();
            ended = true;
            backlog.clear();
            if (to.outbound.ended) {
              close();
            }
            break;
          }
          heldBytes.addAndGet(-to.ch.write(b));
          if (b.hasRemaining()) {
            break;
          }
          backlog.pollFirst();
        }
      } catch (IOException e) {
        close();
      }
      full(!backlog.isEmpty() && to.ch.isOpen());
      if (paused && heldBytes.get() <= BACKLOG_LIMIT / 2) {
        paused = false;
        from.interest(SelectionKey.OP_READ, true);
        selector.wakeup();
      }
    }

    // A full socket: the writer retries it itself; the reading thread waits for OP_WRITE.
    private void full(boolean full) {
      if (delayNanos == 0) {
        to.interest(SelectionKey.OP_WRITE, full);
      } else if (full) {
        backlogged.add(this);
      } else {
        backlogged.remove(this);
      }
    }

    void close() {
      for (Side s : new Side[] {from, to}) {
        try {
          s.ch.close();
        } catch (IOException ignored) {
          // closing: nothing left to do with it
        }
      }
    }
  }

  private record Chunk(long due, Direction direction, ByteBuffer bytes) {
  }
}
