import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * RESP {@code GET} load for {@code make bench} (scripts/bench.sh), where redis-benchmark cannot
 * serve: a skewed key choice, and figures taken over exactly the measured interval. Closed loop:
 * each client has its own connection, sends {@code pipeline} GETs, waits for all their replies and
 * sends the next ones, for {@code warmup} seconds uncounted and then {@code seconds} counted. One
 * selector thread drives all clients (more with {@code threads}), as redis-benchmark does, so on a
 * shared 2-core machine it takes one core at most.
 *
 * <p>Keys are redis-benchmark's ({@code key:%012d}) in {@code [0, keys)}. With {@code hot=H}, a
 * read goes with probability {@code share} (default 0.85) to a uniformly chosen key of
 * {@code [0, H)} and otherwise to one of {@code [H, keys)}; without it, uniformly to any key.
 *
 * <p>Prints one line of {@code name=value}: {@code reads}, {@code seconds}, {@code rps},
 * {@code p50_us}, {@code p99_us}, {@code max_us} (a reply's latency is from its batch's send;
 * bucket upper edges, under 1 % apart), {@code nils}, {@code errors}. With {@code cpu=PORT} (a
 * redis-server), also that server's CPU over the measured interval from {@code INFO cpu}
 * ({@code used_cpu_sys + used_cpu_user}): {@code redis_cpu_s} and {@code redis_cpu_s_per_mreads}
 * (per million reads counted here). With {@code stats=PORT} (the proxy's RESP port), the proxy's
 * {@code hits}, {@code misses} and {@code hit_ratio} over the interval ({@code INFO cache}).
 *
 * <p>Run: {@code java scripts/bench/GetLoad.java port=6379 clients=50 seconds=4 keys=100000
 * hot=10000} (arguments {@code name=value}: host, port, clients, pipeline, seconds, warmup, keys,
 * hot, share, threads, cpu, stats).
 */
public final class GetLoad {

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("arguments are name=value: " + arg);
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String host = a.getOrDefault("host", "127.0.0.1");
    int port = Integer.parseInt(a.get("port"));
    int clients = intArg(a, "clients", 50);
    int pipeline = intArg(a, "pipeline", 1);
    double seconds = Double.parseDouble(a.getOrDefault("seconds", "4"));
    double warmup = Double.parseDouble(a.getOrDefault("warmup", "1"));
    int threads = Math.min(clients, intArg(a, "threads", 1));
    Keys keys = new Keys(intArg(a, "keys", 1000), intArg(a, "hot", 0), Double.parseDouble(a.getOrDefault("share", "0.85")));
    Integer cpuPort = a.containsKey("cpu") ? Integer.valueOf(a.get("cpu")) : null;
    Integer statsPort = a.containsKey("stats") ? Integer.valueOf(a.get("stats")) : null;

    long start = System.nanoTime() + (long) (warmup * 1e9);
    long end = start + (long) (seconds * 1e9);
    List<Worker> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int mine = clients / threads + (t < clients % threads ? 1 : 0);
      workers.add(new Worker(new InetSocketAddress(host, port), mine, pipeline, keys, start, end, t));
    }
    List<Thread> running = new ArrayList<>();
    for (Worker w : workers) {
      Thread th = new Thread(w, "load-" + running.size());
      th.start();
      running.add(th);
    }
    sleepUntil(start);
    Map<String, Double> cpu0 = cpuPort == null ? null : info(host, cpuPort, "cpu");
    Map<String, Double> stats0 = statsPort == null ? null : info(host, statsPort, "cache");
    sleepUntil(end);
    Map<String, Double> cpu1 = cpuPort == null ? null : info(host, cpuPort, "cpu");
    Map<String, Double> stats1 = statsPort == null ? null : info(host, statsPort, "cache");
    for (Thread th : running) {
      th.join();
    }

    long[] hist = new long[Histogram.BUCKETS];
    long reads = 0;
    long nils = 0;
    long errors = 0;
    String firstError = null;
    for (Worker w : workers) {
      if (w.failure != null) {
        throw w.failure;
      }
      for (int i = 0; i < hist.length; i++) {
        hist[i] += w.hist[i];
      }
      reads += w.reads;
      nils += w.nils;
      errors += w.errors;
      firstError = firstError == null ? w.firstError : firstError;
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "reads=%d seconds=%.2f rps=%.1f p50_us=%d p99_us=%d max_us=%d nils=%d errors=%d",
        reads, seconds, reads / seconds, Histogram.percentile(hist, 0.50), Histogram.percentile(hist, 0.99),
        Histogram.percentile(hist, 1.0), nils, errors));
    if (cpu0 != null) {
      double used = cpuSeconds(cpu1) - cpuSeconds(cpu0);
      out.append(String.format(Locale.ROOT, " redis_cpu_s=%.3f redis_cpu_s_per_mreads=%.3f", used, reads == 0 ? 0 : used * 1e6 / reads));
    }
    if (stats0 != null) {
      long hits = (long) (stats1.get("cache_hits") - stats0.get("cache_hits"));
      long misses = (long) (stats1.get("cache_misses") - stats0.get("cache_misses"));
      out.append(String.format(Locale.ROOT, " hits=%d misses=%d hit_ratio=%.4f", hits, misses,
          hits + misses == 0 ? 0.0 : (double) hits / (hits + misses)));
    }
    System.out.println(out);
    if (errors > 0 || nils > 0) {
      System.err.println("GetLoad: " + errors + " error replies" + (firstError == null ? "" : " (the first: " + firstError + ")")
          + " and " + nils + " nils (are the keys seeded?)");
    }
  }

  private static int intArg(Map<String, String> a, String name, int otherwise) {
    return a.containsKey(name) ? Integer.parseInt(a.get(name)) : otherwise;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  private static double cpuSeconds(Map<String, Double> cpu) {
    return cpu.get("used_cpu_sys") + cpu.get("used_cpu_user");
  }

  /** {@code INFO section} on a connection of its own: the numeric fields of the reply. */
  static Map<String, Double> info(String host, int port, String section) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("*2\r\n$4\r\nINFO\r\n$" + section.length() + "\r\n" + section + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String header = line(in);
      if (!header.startsWith("$") && !header.startsWith("=")) {
        throw new IOException("INFO " + section + " on port " + port + ": " + header);
      }
      byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
      Map<String, Double> fields = new HashMap<>();
      for (String l : new String(body, StandardCharsets.UTF_8).split("\r\n")) {
        int colon = l.indexOf(':');
        if (colon > 0) {
          try {
            fields.put(l.substring(0, colon), Double.parseDouble(l.substring(colon + 1)));
          } catch (NumberFormatException notANumber) {
            // a text field (cache_invalidation, ...): not needed
          }
        }
      }
      return fields;
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '\r'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      b.append((char) c);
    }
    in.read();
    return b.toString();
  }

  /** The GET commands, encoded once, and the key choice. */
  static final class Keys {
    final byte[][] commands;
    final int hot;
    final double share;

    Keys(int count, int hot, double share) {
      this.commands = new byte[count][];
      this.hot = hot;
      this.share = share;
      if (hot < 0 || hot >= count) {
        throw new IllegalArgumentException("hot must be in [0, keys): " + hot);
      }
      for (int i = 0; i < count; i++) {
        String key = String.format(Locale.ROOT, "key:%012d", i);
        commands[i] = ("*2\r\n$3\r\nGET\r\n$" + key.length() + "\r\n" + key + "\r\n").getBytes(StandardCharsets.US_ASCII);
      }
    }

    byte[] next(SplittableRandom random) {
      if (hot == 0) {
        return commands[random.nextInt(commands.length)];
      }
      return commands[random.nextDouble() < share ? random.nextInt(hot) : random.nextInt(hot, commands.length)];
    }
  }

  /** One thread's clients on one selector; its figures are read after the thread ends. */
  static final class Worker implements Runnable {
    final long[] hist = new long[Histogram.BUCKETS];
    long reads;
    long nils;
    long errors;
    String firstError;
    Exception failure;
    private final InetSocketAddress address;
    private final int clients;
    private final int pipeline;
    private final Keys keys;
    private final long start;
    private final long end;
    private final SplittableRandom random;

    Worker(InetSocketAddress address, int clients, int pipeline, Keys keys, long start, long end, int seed) {
      this.address = address;
      this.clients = clients;
      this.pipeline = pipeline;
      this.keys = keys;
      this.start = start;
      this.end = end;
      this.random = new SplittableRandom(42 + seed);
    }

    @Override
    public void run() {
      try (Selector selector = Selector.open()) {
        for (int i = 0; i < clients; i++) {
          SocketChannel ch = SocketChannel.open(address);
          ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
          ch.configureBlocking(false);
          Client c = new Client(ch, ch.register(selector, SelectionKey.OP_READ));
          c.key.attach(c);
          c.send();
        }
        while (System.nanoTime() < end) {
          selector.select(50);
          long now = System.nanoTime();
          for (SelectionKey k : selector.selectedKeys()) {
            Client c = (Client) k.attachment();
            if (k.isWritable()) {
              c.flush();
            }
            if (k.isReadable()) {
              c.receive(now);
            }
          }
          selector.selectedKeys().clear();
        }
        for (SelectionKey k : selector.keys()) {
          k.channel().close();
        }
      } catch (Exception e) {
        failure = e;
      }
    }

    /** A connection, with at most one batch of {@code pipeline} GETs outstanding. */
    final class Client {
      private final SocketChannel ch;
      private final SelectionKey key;
      private final ByteBuffer out = ByteBuffer.allocateDirect(pipeline * 64);
      private ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
      private int pending;
      private long sentAt;

      Client(SocketChannel ch, SelectionKey key) {
        this.ch = ch;
        this.key = key;
      }

      void send() throws IOException {
        out.clear();
        for (int i = 0; i < pipeline; i++) {
          out.put(keys.next(random));
        }
        out.flip();
        pending = pipeline;
        sentAt = System.nanoTime();
        flush();
      }

      void flush() throws IOException {
        ch.write(out);
        key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
      }

      void receive(long now) throws IOException {
        if (ch.read(in) < 0) {
          throw new IOException("the server closed a connection");
        }
        in.flip();
        boolean counted = now >= start && now < end;
        int kind;
        for (int at = in.position(); pending > 0 && (kind = Reply.next(in)) != Reply.INCOMPLETE; at = in.position()) {
          pending--;
          if (kind == Reply.ERROR && firstError == null) {
            byte[] text = new byte[in.position() - at - 3];
            in.get(at + 1, text);
            firstError = new String(text, StandardCharsets.UTF_8);
          }
          if (counted) {
            reads++;
            hist[Histogram.bucket((now - sentAt) / 1000)]++;
            nils += kind == Reply.NIL ? 1 : 0;
            errors += kind == Reply.ERROR ? 1 : 0;
          }
        }
        in.compact();
        if (in.position() == in.capacity()) {
          in = ByteBuffer.allocateDirect(in.capacity() * 2).put(in.flip());
        }
        if (pending == 0 && now < end) {
          send();
        }
      }
    }
  }

  /** The replies a GET can have, skipped whole or not at all. */
  static final class Reply {
    static final int INCOMPLETE = 0;
    static final int VALUE = 1;
    static final int NIL = 2;
    static final int ERROR = 3;

    static int next(ByteBuffer b) {
      int start = b.position();
      int cr = start;
      while (cr < b.limit() && b.get(cr) != '\r') {
        cr++;
      }
      if (cr + 1 >= b.limit()) {
        return INCOMPLETE;
      }
      byte type = b.get(start);
      if (type == '$') {
        long len = 0;
        boolean negative = b.get(start + 1) == '-';
        for (int i = negative ? start + 2 : start + 1; i < cr; i++) {
          len = len * 10 + (b.get(i) - '0');
        }
        if (negative) {
          b.position(cr + 2);
          return NIL;
        }
        long end = cr + 2 + len + 2;
        if (end > b.limit()) {
          return INCOMPLETE;
        }
        b.position((int) end);
        return VALUE;
      }
      b.position(cr + 2);
      switch (type) {
        case '-': return ERROR;
        case '_': return NIL;
        case '+': case ':': return VALUE;
        default: throw new IllegalStateException("not a GET reply: type byte " + type);
      }
    }
  }

  /** Latency counts in µs: exact below 128, then 128 buckets per power of two (under 1 % wide). */
  static final class Histogram {
    static final int BUCKETS = 128 + 128 * 30;

    static int bucket(long us) {
      if (us < 128) {
        return (int) Math.max(0, us);
      }
      int msb = 63 - Long.numberOfLeadingZeros(us);
      return Math.min(BUCKETS - 1, 128 + (msb - 7) * 128 + (int) ((us >>> (msb - 7)) & 127));
    }

    /** The bucket's upper edge: a percentile errs on the slow side. */
    static long upperUs(int b) {
      if (b < 128) {
        return b + 1;
      }
      int msb = (b - 128) / 128 + 7;
      long sub = (b - 128) % 128;
      return (128L + sub + 1) << (msb - 7);
    }

    static long percentile(long[] c, double p) {
      long total = 0;
      for (long n : c) {
        total += n;
      }
      long rank = Math.max(1, (long) Math.ceil(p * total));
      long seen = 0;
      for (int i = 0; i < c.length; i++) {
        seen += c[i];
        if (seen >= rank && c[i] > 0) {
          return upperUs(i);
        }
      }
      return 0;
    }
  }
}
