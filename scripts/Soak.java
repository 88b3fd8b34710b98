import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The load of {@code make soak} (scripts/soak.sh starts Redis and the proxy, then runs this with
 * {@code java scripts/Soak.java}): closed-loop clients, three in four over HTTP keep-alive and one
 * in four over RESP, each reading a key and at once the next, for a fixed time. Most reads go to
 * a hot set smaller than the cache (hits); the rest spread over a key space larger than the cache
 * (misses, evictions) and a few keys that do not exist (404 / nil). A writer changes values in
 * Redis all along, and the cache's TTL expires entries, so misses keep coming.
 *
 * <p>Every interval it prints one line: requests per second in the interval, requests and errors
 * in all, p50, p99 and max latency of the interval, the proxy's hit ratio since start-up and its
 * cached keys, and the heap that survives a full GC it asks the proxy for ({@code jcmd <pid>
 * GC.run}, then the live data size in {@code /metrics}). Once the cache is full, that figure
 * should stay flat. An error is anything but 200/404 over HTTP and a value or nil over RESP, or a
 * broken connection.
 *
 * <p>Arguments, all {@code name=value}: http, resp, redis (ports on 127.0.0.1), pid (the proxy's),
 * seconds, interval, clients, keys, hot.
 */
public final class Soak {

  private final int httpPort;
  private final int respPort;
  private final int redisPort;
  private final long pid;
  private final int keys;
  private final int hot;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final Histogram latency = new Histogram();
  private final HttpClient metricsClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Soak(int httpPort, int respPort, int redisPort, long pid, int keys, int hot) {
    this.httpPort = httpPort;
    this.respPort = respPort;
    this.redisPort = redisPort;
    this.pid = pid;
    this.keys = keys;
    this.hot = hot;
  }

  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> a = new java.util.HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Soak soak = new Soak(Integer.parseInt(a.get("http")), Integer.parseInt(a.get("resp")),
        Integer.parseInt(a.get("redis")), Long.parseLong(a.get("pid")),
        Integer.parseInt(a.getOrDefault("keys", "50000")), Integer.parseInt(a.getOrDefault("hot", "5000")));
    soak.run(Integer.parseInt(a.getOrDefault("seconds", "600")), Integer.parseInt(a.getOrDefault("interval", "30")),
        Integer.parseInt(a.getOrDefault("clients", "32")));
  }

  private void run(int seconds, int interval, int clients) throws Exception {
    seed();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      boolean resp = c % 4 == 3;
      threads.add(start("client-" + c, resp ? this::respClient : this::httpClient));
    }
    threads.add(start("writer", this::writer));
    System.out.printf(Locale.ROOT, "soak: %d s, %d clients (%d HTTP, %d RESP), %d keys (%d hot), report every %d s%n",
        seconds, clients, clients - clients / 4, clients / 4, keys, hot, interval);
    System.out.printf(Locale.ROOT, "%6s %9s %11s %7s %8s %8s %8s %6s %8s %12s%n",
        "t(s)", "req/s", "requests", "errors", "p50(ms)", "p99(ms)", "max(ms)", "hit%", "cached", "live-gc(MiB)");
    long start = System.nanoTime();
    long lastRequests = 0;
    double firstHeap = -1;
    double lastHeap = -1;
    Histogram all = new Histogram();
    for (int t = interval; t <= seconds; t += interval) {
      long wake = start + t * 1_000_000_000L;
      while (System.nanoTime() < wake) {
        Thread.sleep(Math.max(1, (wake - System.nanoTime()) / 1_000_000));
      }
      long[] snapshot = latency.drain();
      all.add(snapshot);
      long total = requests.get();
      double heapMiB = heapAfterGcMiB();
      double[] cache = cacheFigures();
      firstHeap = firstHeap < 0 ? heapMiB : firstHeap;
      lastHeap = heapMiB;
      System.out.printf(Locale.ROOT, "%6d %9.0f %11d %7d %8.2f %8.2f %8.1f %6.1f %8.0f %12.1f%n",
          t, (total - lastRequests) / (double) interval, total, errors.get(),
          Histogram.percentile(snapshot, 0.50), Histogram.percentile(snapshot, 0.99), Histogram.max(snapshot),
          cache[0] * 100, cache[1], heapMiB);
      lastRequests = total;
    }
    running.set(false);
    for (Thread t : threads) {
      t.join(10_000);
    }
    long[] totals = all.drain();
    System.out.printf(Locale.ROOT,
        "soak: done: %d requests, %d errors, %d reconnects; p50 %.2f ms, p99 %.2f ms, max %.1f ms;"
            + " heap after GC %.1f MiB at the first report, %.1f MiB at the last%n",
        requests.get(), errors.get(), reconnects.get(), Histogram.percentile(totals, 0.50),
        Histogram.percentile(totals, 0.99), Histogram.max(totals), firstHeap, lastHeap);
  }

  private static Thread start(String name, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Exception e) {
        System.err.println("soak: " + name + " stopped: " + e);
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  interface Body {
    void run() throws Exception;
  }

  // --- keys and values

  private static String key(int i) {
    return "soak:" + i;
  }

  /** Most reads go to the hot set; the rest anywhere, two in a hundred to keys that do not exist. */
  private String nextKey(Random random) {
    int roll = random.nextInt(100);
    if (roll < 85) {
      return key(random.nextInt(hot));
    }
    if (roll < 98) {
      return key(random.nextInt(keys));
    }
    return "soak:absent:" + random.nextInt(keys);
  }

  private static byte[] value(Random random, int i, long version) {
    int size = 64 + random.nextInt(random.nextInt(10) == 0 ? 16_384 : 1024);
    byte[] v = new byte[size];
    random.nextBytes(v);
    byte[] tag = (i + ":" + version + ":").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(tag, 0, v, 0, Math.min(tag.length, v.length));
    return v;
  }

  private void seed() throws IOException {
    Random random = new Random(1);
    try (Resp redis = new Resp(redisPort)) {
      for (int from = 0; from < keys; from += 1000) {
        int to = Math.min(keys, from + 1000);
        for (int i = from; i < to; i++) {
          redis.send(bytes("SET"), bytes(key(i)), value(random, i, 0));
        }
        for (int i = from; i < to; i++) {
          redis.read();
        }
      }
    }
  }

  private void writer() throws Exception {
    Random random = new Random(2);
    long version = 1;
    try (Resp redis = new Resp(redisPort)) {
      while (running.get()) {
        int i = random.nextInt(keys);
        redis.send(bytes("SET"), bytes(key(i)), value(random, i, version++));
        redis.read();
        Thread.sleep(5); // about 200 writes a second: churn, not load
      }
    }
  }

  // --- clients

  /** One GET on a client's connection; true if the answer is one the soak expects. */
  interface Exchange<C extends Conn> {
    boolean get(C conn, String key) throws IOException;
  }

  interface Opener<C extends Conn> {
    C open() throws IOException;
  }

  /** A closed-loop client: GETs back to back, reconnecting after a failed connection, until the soak ends. */
  private <C extends Conn> void client(Opener<C> opener, Exchange<C> exchange) {
    Random random = ThreadLocalRandom.current();
    C conn = null;
    while (running.get()) {
      try {
        if (conn == null) {
          conn = opener.open();
        }
        long t0 = System.nanoTime();
        boolean expected = exchange.get(conn, nextKey(random));
        latency.record(System.nanoTime() - t0);
        requests.incrementAndGet();
        if (!expected) {
          errors.incrementAndGet();
        }
      } catch (IOException e) {
        errors.incrementAndGet();
        reconnects.incrementAndGet();
        if (conn != null) {
          conn.close();
        }
        conn = null;
      }
    }
    if (conn != null) {
      conn.close();
    }
  }

  private void httpClient() {
    client(() -> new Http(httpPort), (conn, key) -> {
      int status = conn.get(key);
      return status == 200 || status == 404;
    });
  }

  private void respClient() {
    client(() -> new Resp(respPort), (conn, key) -> {
      conn.send(bytes("GET"), bytes(key));
      return conn.read() == '$';
    });
  }

  // --- the proxy's own figures

  /**
   * Asks the proxy for a full GC, then reads what survived it from /metrics, in MiB: the live data
   * size the GC reported (Micrometer's {@code jvm_gc_live_data_size_bytes}), so that what the
   * clients allocate between the GC and the scrape does not blur the figure.
   */
  private double heapAfterGcMiB() throws Exception {
    Process gc = new ProcessBuilder(jcmd(), Long.toString(pid), "GC.run").redirectErrorStream(true).start();
    gc.getInputStream().readAllBytes();
    gc.waitFor();
    for (String line : metrics().split("\n")) {
      if (line.startsWith("jvm_gc_live_data_size_bytes")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) / (1 << 20);
      }
    }
    return -1;
  }

  /** {hit ratio since start-up, cached keys}. */
  private double[] cacheFigures() throws Exception {
    double ratio = 0;
    double cached = 0;
    for (String line : metrics().split("\n")) {
      if (line.startsWith("redis_proxy_cache_hit_ratio ")) {
        ratio = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      } else if (line.startsWith("redis_proxy_cache_keys ")) {
        cached = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return new double[] {ratio, cached};
  }

  private String metrics() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build();
    return metricsClient.send(req, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String jcmd() {
    return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // --- wire

  /** A loopback TCP connection with buffered input, a line reader, and a close that cannot fail. */
  private abstract static class Conn implements AutoCloseable {
    final Socket socket;
    final InputStream in;

    Conn(int port) throws IOException {
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(30_000);
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    /** The next line without its CR LF. */
    String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(64);
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c != '\r') {
          b.write(c);
        }
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** One HTTP/1.1 keep-alive connection: GET, status, body skipped by Content-Length. */
  private static final class Http extends Conn {
    private final OutputStream out;

    Http(int port) throws IOException {
      super(port);
      out = socket.getOutputStream();
    }

    int get(String key) throws IOException {
      out.write(("GET /get/" + key + " HTTP/1.1\r\nHost: soak\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      long length = -1;
      boolean close = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(h.substring(15).trim());
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true;
        }
      }
      if (length < 0) {
        throw new IOException("no Content-Length after " + status);
      }
      in.skipNBytes(length);
      if (close) {
        throw new IOException("server closed the connection after " + status);
      }
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  /** One RESP connection: multibulk requests out, replies read and skipped, their type returned. */
  private static final class Resp extends Conn {
    private final OutputStream out;

    Resp(int port) throws IOException {
      super(port);
      out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    void send(byte[]... args) throws IOException {
      out.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (byte[] a : args) {
        out.write(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(a);
        out.write('\r');
        out.write('\n');
      }
      out.flush();
    }

    /** Reads one reply (not an array), returning its type: '$' for a value or nil, '-' for an error. */
    char read() throws IOException {
      int type = in.read();
      if (type < 0) {
        throw new IOException("connection closed");
      }
      String line = line();
      if (type == '$') {
        long n = Long.parseLong(line);
        if (n >= 0) {
          in.skipNBytes(n + 2);
        }
      }
      return (char) type;
    }
  }

  /**
   * Latencies in microseconds, log-linear: exact below 64 µs, then 32 buckets per power of two
   * (about 3 % wide). Counted by every client at once; drained by the reporter.
   */
  private static final class Histogram {
    private static final int BUCKETS = 64 + 40 * 32;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(long nanos) {
      counts.incrementAndGet(bucket(Math.max(0, nanos / 1000)));
    }

    void add(long[] other) {
      for (int i = 0; i < BUCKETS; i++) {
        counts.addAndGet(i, other[i]);
      }
    }

    long[] drain() {
      long[] out = new long[BUCKETS];
      for (int i = 0; i < BUCKETS; i++) {
        out[i] = counts.getAndSet(i, 0);
      }
      return out;
    }

    static int bucket(long us) {
      if (us < 64) {
        return (int) us;
      }
      int msb = 63 - Long.numberOfLeadingZeros(us);
      return Math.min(BUCKETS - 1, 64 + (msb - 6) * 32 + (int) ((us >>> (msb - 5)) & 31));
    }

    /** The bucket's upper edge in ms: percentiles err on the slow side. */
    static double upperMs(int b) {
      if (b < 64) {
        return (b + 1) / 1000.0;
      }
      int msb = (b - 64) / 32 + 6;
      long sub = (b - 64) % 32;
      return ((32L + sub + 1) << (msb - 5)) / 1000.0;
    }

    static double percentile(long[] c, double p) {
      long total = 0;
      for (long n : c) {
        total += n;
      }
      long rank = (long) Math.ceil(p * total);
      long seen = 0;
      for (int i = 0; i < c.length; i++) {
        seen += c[i];
        if (seen >= rank && c[i] > 0) {
          return upperMs(i);
        }
      }
      return 0;
    }

    static double max(long[] c) {
      for (int i = c.length - 1; i >= 0; i--) {
        if (c[i] > 0) {
          return upperMs(i);
        }
      }
      return 0;
    }
  }
}
