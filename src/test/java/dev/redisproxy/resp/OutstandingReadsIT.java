package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.CacheVerticle;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * A stalled Redis (SIGSTOP) under more distinct misses than the proxy lets wait for it: the reads
 * under way stay bounded, the misses past the bound fail at once instead of queueing, and when
 * Redis continues it receives at most {@link CacheVerticle#MAX_IN_FLIGHT} reads, not one per miss.
 */
class OutstandingReadsIT {

  private static final int CONNECTIONS = 48;
  /** Keys per MGET: one connection's whole lookup budget, so every key is looked up at once. */
  private static final int KEYS = RespConnection.MAX_LOOKUPS_IN_FLIGHT;
  /** Far longer than the test: a miss answered while Redis stalls was refused, not timed out. */
  private static final String REDIS_TIMEOUT = "60s";

  @RegisterExtension
  final ProxyFixture proxy = ProxyFixture.withRedis().withResp().with("REDIS_TIMEOUT", REDIS_TIMEOUT);

  @Test
  void missesPastTheBoundFailAtOnceAndRedisGetsABoundedNumberOfReads() throws Exception {
    assertThat(CONNECTIONS * KEYS).as("more misses than the bound").isGreaterThan(CacheVerticle.MAX_IN_FLIGHT);
    List<RawConnection> clients = new ArrayList<>();
    for (int c = 0; c < CONNECTIONS; c++) {
      clients.add(warmedUp(RawConnection.plain(proxy.respPort())));
    }
    try (Jedis jedis = proxy.redis().client()) {
      jedis.configResetStat(); // the warm-up's reads are not the ones counted
    }
    proxy.redis().pause(true);
    try {
      for (int c = 0; c < CONNECTIONS; c++) {
        clients.get(c).send(mget(c));
      }
      // Some MGETs are refused while Redis is still stopped: nothing else could answer them.
      List<RawConnection> refused = awaitSomeAnswered(clients);
      for (RawConnection client : refused) {
        assertThat(client.line()).startsWith("-UNAVAILABLE ");
        clients.remove(client);
        client.close();
      }
      try (RawConnection info = RawConnection.plain(proxy.respPort())) {
        String body = info.send("INFO cache\r\n").bulk();
        int inFlight = Integer.parseInt(body.replaceAll("(?s).*cache_inflight:(\\d+).*", "$1"));
        assertThat(inFlight).as("reads under way").isBetween(1, CacheVerticle.MAX_IN_FLIGHT);
      }
    } finally {
      proxy.redis().pause(false);
    }
    for (RawConnection client : clients) {
      String first = client.line();
      if (first.startsWith("*")) {
        assertThat(first).isEqualTo("*" + KEYS);
        for (int i = 0; i < KEYS; i++) {
          assertThat(client.line()).isEqualTo("$-1");
        }
      } else {
        assertThat(first).startsWith("-UNAVAILABLE ");
      }
      client.close();
    }
    try (Jedis jedis = proxy.redis().client()) {
      long gets = getCalls(jedis.info("commandstats"));
      assertThat(gets).as("GETs that reached Redis for %d misses", CONNECTIONS * KEYS)
          .isLessThanOrEqualTo(CacheVerticle.MAX_IN_FLIGHT);
    }
  }

  /**
   * A fresh connection looks up one key at a time until answers show its values are small
   * ({@link ReplyBytes}); eight nils take it to its whole budget of lookups in flight.
   */
  private static RawConnection warmedUp(RawConnection client) throws Exception {
    int gets = Integer.numberOfTrailingZeros(KEYS);
    client.send("GET warm-up\r\n".repeat(gets)).expect("$-1\r\n".repeat(gets));
    return client;
  }

  private static byte[] mget(int connection) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("*" + (KEYS + 1) + "\r\n$4\r\nMGET\r\n").getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < KEYS; i++) {
      String key = "bound-" + connection + "-" + i;
      out.writeBytes(("$" + key.length() + "\r\n" + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
    return out.toByteArray();
  }

  /** Polls the connections until one or more have a reply; attempts, not time, bound it. */
  private static List<RawConnection> awaitSomeAnswered(List<RawConnection> clients) throws Exception {
    for (int attempt = 0; attempt < 2000; attempt++) {
      List<RawConnection> answered = new ArrayList<>();
      for (RawConnection c : clients) {
        if (c.available() > 0) {
          answered.add(c);
        }
      }
      if (!answered.isEmpty()) {
        return answered;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no MGET was answered while Redis was stopped: misses past the bound queued");
  }

  private static long getCalls(String commandstats) {
    for (String line : commandstats.split("\r?\n")) {
      if (line.startsWith("cmdstat_getrange:")) { // a read: GETRANGE, then PTTL
        String calls = line.substring(line.indexOf("calls=") + 6);
        return Long.parseLong(calls.substring(0, calls.indexOf(',')));
      }
    }
    return 0;
  }
}
