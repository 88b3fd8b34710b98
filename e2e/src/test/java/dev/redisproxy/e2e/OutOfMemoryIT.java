package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Driven out of memory on purpose, the proxy is no zombie: with {@code CACHE_MAXMEMORY} at about
 * 90 % of a small heap (legal, with a warning) and more large values read than that holds, the JVM
 * runs out of heap, and the process ends at once with status 3, for its supervisor to restart it.
 * The jar runs as plain {@code java -jar}, without {@code -XX:+ExitOnOutOfMemoryError}: the proxy
 * ends itself. Skipped against an external deployment.
 */
class OutOfMemoryIT {

  /** The exit status the proxy ends with when out of memory (that of -XX:+ExitOnOutOfMemoryError too). */
  static final int OUT_OF_MEMORY_EXIT = 3;
  /** A deadline against a proxy that stays up out of memory, not a speed goal. */
  static final Duration EXIT_DEADLINE = Duration.ofSeconds(90);
  static final int VALUES = 80;

  @Test
  void outOfMemoryEndsTheProcessWithStatus3() throws Exception {
    // -Xmx192m gives Runtime.maxMemory() about 185 MiB with the serial collector: 166mb is about 90 %.
    Map<String, String> settings = Map.of("JAVA_TOOL_OPTIONS", SmallHeapIT.HEAP, "CACHE_MAXMEMORY", "166mb");
    try (ProxyStack stack = ProxyStack.startLocal(settings)) {
      ProxyProcess proxy = stack.proxyProcess();
      assertThat(proxy.output()).as("the start-up warning").contains("CACHE_MAXMEMORY 166mb is");
      try (Jedis redis = stack.redis()) {
        for (int i = 0; i < VALUES; i++) {
          redis.set(stack.key("oom-" + i).getBytes(), SmallHeapIT.value(i));
        }
      }

      readUntilGone(stack, proxy);
      int exit = proxy.awaitExit(EXIT_DEADLINE);

      String output = proxy.output();
      assertThat(exit).as("exit status; output:%n%s", output.substring(Math.max(0, output.length() - 6000)))
          .isEqualTo(OUT_OF_MEMORY_EXIT);
      assertThat(output).contains("Fatal: ").contains("exiting with status 3");
    }
  }

  /** Reads every value, 8 at a time, over and over, until the process has gone (or a few rounds passed). */
  private static void readUntilGone(ProxyStack stack, ProxyProcess proxy) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(SmallHeapIT.CONCURRENCY);
    try {
      for (int round = 0; round < 5 && proxy.alive(); round++) {
        List<Future<?>> reads = new ArrayList<>();
        for (int i = 0; i < VALUES; i++) {
          String key = stack.key("oom-" + i);
          reads.add(clients.submit(() -> {
            try {
              return proxy.alive() ? stack.get(key).status() : -1;
            } catch (IOException goneOrFailing) {
              return -1;
            }
          }));
        }
        for (Future<?> read : reads) {
          read.get();
        }
      }
    } finally {
      clients.shutdownNow();
    }
  }
}
