package dev.redisproxy.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code CACHE_INVALIDATION=tracking} (or {@code broadcast}) buys and costs, against two running
 * proxies in front of the same Redis, one without invalidation and one with it, both over RESP:
 * <ul>
 *   <li>freshness: a client SETs a key the proxy has cached; from Redis's acknowledgement, how long
 *       until a GET through the proxy returns the new value (GETs in a tight loop). p50, p99 and max
 *       over many trials. Without tracking the answer would be "CACHE_TTL", so only the tracking
 *       proxy is measured;
 *   <li>hit throughput: GETs of keys both proxies have cached, pipelined, from several connections;
 *       rounds alternate between the proxies and the median round of each is reported;
 *   <li>miss throughput: the same over a key space far larger than the cache (misses read over the
 *       tracking connection, or the pool);
 *   <li>Redis memory per key read: {@code INFO used_memory} before and after reading
 *       {@link #MEMORY_KEYS} keys through the proxy with invalidation (tracking: Redis's table of keys
 *       read; broadcast: none).
 * </ul>
 * Blocking sockets and hand-written RESP keep the load generator light: it shares the machine.
 * Prints one {@code name value...} line per figure, for {@code scripts/bench.sh}.
 *
 * <p>{@code java -cp ... dev.redisproxy.bench.FreshnessBenchmark REDIS_PORT PROXY_RESP_PORT_OFF
 * PROXY_RESP_PORT_ON [TRIALS] [SECONDS_PER_ROUND] [CLIENTS] [MODE] [MEMORY_KEYS]} (MODE, the on
 * proxy's {@code CACHE_INVALIDATION}, names its memory keys); both proxies should have the same
 * settings, a {@code CACHE_MAXSIZE} of at least {@link #HIT_KEYS} and well below {@link #MISS_KEYS}.
 */
public final class FreshnessBenchmark {

  static final int HIT_KEYS = 1000;
  static final int MISS_KEYS = 100_000;
  static final int PIPELINE = 16;
  static final int ROUNDS = 3;
  static final int WARMUP_TRIALS = 200;
  static final int MEMORY_KEYS = 100_000;

  private FreshnessBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int redisPort = Integer.parseInt(args[0]);
    int offPort = Integer.parseInt(args[1]);
    int onPort = Integer.parseInt(args[2]);
    int trials = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    int clients = args.length > 5 ? Integer.parseInt(args[5]) : 8;
    String label = args.length > 6 ? args[6] : "tracking";
    int memoryKeys = args.length > 7 ? Integer.parseInt(args[7]) : MEMORY_KEYS;

    try (Resp redis = new Resp(redisPort)) {
      seed(redis, "hit:", HIT_KEYS);
      seed(redis, "miss:", MISS_KEYS);
    }
    freshness(redisPort, onPort, trials);
    long[] hits = compare(offPort, onPort, "hit:", HIT_KEYS, seconds, clients);
    print("hits", hits);
    long[] misses = compare(offPort, onPort, "miss:", MISS_KEYS, seconds, clients);
    print("misses", misses);
    memory(redisPort, onPort, label, memoryKeys);
  }

  /**
   * What Redis spends per key read through the proxy: {@code used_memory} before and after reading
   * {@code keys} keys seeded beforehand (under a prefix of this mode's own, as Redis never forgets a
   * tracked key it has not seen change, not even when the proxy that read it is gone).
   */
  private static void memory(int redisPort, int proxyPort, String label, int keys) throws IOException {
    String prefix = "mem:" + label + ":";
    try (Resp redis = new Resp(redisPort); Resp proxy = new Resp(proxyPort)) {
      seed(redis, prefix, keys);
      long trackedBefore = infoField(redis, "tracking_total_keys");
      long memoryBefore = infoField(redis, "used_memory");
      String[] batch = new String[1000];
      for (int from = 0; from < keys; from += batch.length) {
        int n = Math.min(batch.length, keys - from);
        String[] some = n == batch.length ? batch : new String[n];
        for (int i = 0; i < n; i++) {
          some[i] = prefix + (from + i);
        }
        if (proxy.pipelinedGets(some) > 0) {
          throw new IOException("errors reading " + prefix + " keys through the proxy");
        }
      }
      long tracked = infoField(redis, "tracking_total_keys") - trackedBefore;
      long delta = infoField(redis, "used_memory") - memoryBefore;
      System.out.printf(Locale.ROOT, "redis_memory keys=%d tracked_keys=%d used_memory_delta_bytes=%d bytes_per_key=%.1f%n",
          keys, tracked, delta, delta / (double) keys);
    }
  }

  /** SET until the new value comes back through the proxy, many times over; latencies from Redis's OK. */
  private static void freshness(int redisPort, int proxyPort, int trials) throws IOException {
    long[] micros = new long[trials];
    long polls = 0;
    try (Resp redis = new Resp(redisPort); Resp proxy = new Resp(proxyPort)) {
      for (int t = -WARMUP_TRIALS; t < trials; t++) {
        String key = "fresh:" + Math.floorMod(t, 16);
        String fresh = "v" + t;
        // The key's current value is cached: read through (or already a hit), then a hit.
        proxy.get(key);
        proxy.get(key);
        redis.command("SET", key, fresh);
        long acknowledged = System.nanoTime();
        int n = 0;
        do {
          // An error reply (503 on an overloaded machine) is not the new value: keep asking.
          n++;
        } while (!fresh.equals(proxy.get(key)));
        long took = System.nanoTime() - acknowledged;
        if (t >= 0) {
          micros[t] = took / 1000;
          polls += n;
        }
      }
    }
    Arrays.sort(micros);
    System.out.printf(Locale.ROOT, "freshness trials=%d p50_us=%d p99_us=%d max_us=%d gets_per_trial=%.2f%n",
        trials, micros[trials / 2], micros[(int) Math.ceil(trials * 0.99) - 1], micros[trials - 1],
        polls / (double) trials);
  }

  /** Median GETs per second of {@link #ROUNDS} rounds on each proxy, rounds alternating: {off, on}. */
  private static long[] compare(int offPort, int onPort, String prefix, int keys, int seconds, int clients)
      throws Exception {
    if (prefix.equals("hit:")) {
      for (int port : new int[] {offPort, onPort}) {
        try (Resp proxy = new Resp(port)) {
          for (int i = 0; i < keys; i++) {
            proxy.get(prefix + i);
          }
        }
        // Warm-up of this code path in both JVMs.
        load(port, prefix, keys, 2, clients);
      }
    }
    long[] off = new long[ROUNDS];
    long[] on = new long[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      // Which proxy goes first alternates too, so that neither always runs on the warmer machine.
      if (r % 2 == 0) {
        off[r] = load(offPort, prefix, keys, seconds, clients);
        on[r] = load(onPort, prefix, keys, seconds, clients);
      } else {
        on[r] = load(onPort, prefix, keys, seconds, clients);
        off[r] = load(offPort, prefix, keys, seconds, clients);
      }
    }
    System.err.printf("%s rounds: off %s, on %s%n", prefix, Arrays.toString(off), Arrays.toString(on));
    Arrays.sort(off);
    Arrays.sort(on);
    return new long[] {off[ROUNDS / 2], on[ROUNDS / 2]};
  }

  /** GETs per second of random keys through the proxy: clients connections, PIPELINE GETs in flight on each. */
  private static long load(int port, String prefix, int keys, int seconds, int clients) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      threads.add(new Thread(() -> {
        try (Resp proxy = new Resp(port)) {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          String[] batch = new String[PIPELINE];
          while (running.get()) {
            for (int i = 0; i < PIPELINE; i++) {
              batch[i] = prefix + random.nextInt(keys);
            }
            int failed = proxy.pipelinedGets(batch);
            done.addAndGet(PIPELINE - failed);
            errors.addAndGet(failed);
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    running.set(false);
    long count = done.get();
    long elapsed = System.nanoTime() - start;
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("load on port " + port + " failed", failures.get(0));
    }
    if (errors.get() > 0) {
      System.err.printf("port %d: %d GETs answered with an error (not counted)%n", port, errors.get());
    }
    return Math.round(count / (elapsed / 1e9));
  }

  private static void seed(Resp redis, String prefix, int keys) throws IOException {
    for (int from = 0; from < keys; from += 1000) {
      int to = Math.min(keys, from + 1000);
      for (int i = from; i < to; i++) {
        redis.write("SET", prefix + i, "x".repeat(64));
      }
      redis.flush();
      for (int i = from; i < to; i++) {
        redis.read();
      }
    }
  }

  private static long infoField(Resp redis, String field) throws IOException {
    String info = new String((byte[]) redis.command("INFO"), StandardCharsets.UTF_8);
    for (String line : info.split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    return 0;
  }

  private static void print(String name, long[] offOn) {
    System.out.printf(Locale.ROOT, "%s off=%d on=%d ratio=%.3f%n", name, offOn[0], offOn[1], offOn[1] / (double) offOn[0]);
  }

  record ErrorReply(String message) {
  }

  /** A blocking RESP2 client: commands out, replies in, no more. */
  static final class Resp implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Resp(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    /** The value as text, null for nil, or an {@link ErrorReply} (the proxy's 503 under overload, say). */
    Object get(String key) throws IOException {
      write("GET", key);
      flush();
      Object reply = read();
      return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : reply;
    }

    /** GETs the keys in one pipeline; returns how many were answered with an error. */
    int pipelinedGets(String[] keys) throws IOException {
      for (String key : keys) {
        write("GET", key);
      }
      flush();
      int errors = 0;
      for (String key : keys) {
        Object reply = read();
        if (reply == null) {
          throw new IllegalStateException("nil for " + key + ": not seeded?");
        }
        errors += reply instanceof ErrorReply ? 1 : 0;
      }
      return errors;
    }

    /** A command whose error reply means the benchmark cannot go on. */
    Object command(String... args) throws IOException {
      write(args);
      flush();
      Object reply = read();
      if (reply instanceof ErrorReply e) {
        throw new IOException("error reply to " + args[0] + ": " + e.message());
      }
      return reply;
    }

    void write(String... args) throws IOException {
      out.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (String arg : args) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        out.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write('\r');
        out.write('\n');
      }
    }

    void flush() throws IOException {
      out.flush();
    }

    /** byte[] for a bulk, null for nil, String for a status, Long for an integer, ErrorReply for an error. */
    Object read() throws IOException {
      int type = in.read();
      String line = line();
      switch (type) {
        case '+':
          return line;
        case ':':
          return Long.parseLong(line);
        case '-':
          return new ErrorReply(line);
        case '$': {
          int length = Integer.parseInt(line);
          if (length < 0) {
            return null;
          }
          byte[] value = in.readNBytes(length);
          in.readNBytes(2);
          return value;
        }
        default:
          throw new IOException("unexpected reply type " + (char) type + line);
      }
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int b = in.read(); b != '\r'; b = in.read()) {
        if (b < 0) {
          throw new IOException("connection closed");
        }
        sb.append((char) b);
      }
      in.read();
      return sb.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
