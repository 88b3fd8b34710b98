package dev.redisproxy.resp;

import static dev.redisproxy.testing.RawConnection.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** Exact RESP bytes in, exact bytes out, through a raw socket to the running proxy. */
class RespBytesIT {

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp();

  @BeforeAll
  static void seed() throws Exception {
    proxy.redis().set("k", "v");
    proxy.redis().set("greeting", "hello");
    try (Jedis jedis = proxy.redis().client()) {
      jedis.rpush("list", "a");
    }
  }

  @Test
  void getHitMissAndNil() throws Exception {
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "$1\r\nv\r\n");
      c.exchange("*2\r\n$3\r\nget\r\n$1\r\nk\r\n", "$1\r\nv\r\n");
      c.exchange("*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n", "$-1\r\n");
    }
  }

  @Test
  void pipelineOfMixedCommandsInOneWriteIsAnsweredInOrder() throws Exception {
    String request = "PING\r\n"
        + "*2\r\n$3\r\nGET\r\n$8\r\nmissing2\r\n"
        + "*4\r\n$4\r\nMGET\r\n$1\r\nk\r\n$1\r\nx\r\n$8\r\ngreeting\r\n"
        + "ECHO \"a\\r\\nb\"\r\n"
        + "GET greeting\r\n"
        + "*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n";
    String expected = "+PONG\r\n"
        + "$-1\r\n"
        + "*3\r\n$1\r\nv\r\n$-1\r\n$5\r\nhello\r\n"
        + "$4\r\na\r\nb\r\n"
        + "$5\r\nhello\r\n"
        + "$2\r\nhi\r\n";
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange(request, expected);
    }
  }

  @Test
  void commandSentOneByteAtATime() throws Exception {
    byte[] request = "*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n".getBytes(StandardCharsets.US_ASCII);
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      for (byte b : request) {
        c.send(new byte[] {b});
      }
      c.expect("$5\r\nhello\r\n");
    }
  }

  @Test
  void errorsWordedAsRedisWordsThem() throws Exception {
    String expected = "-ERR wrong number of arguments for 'get' command\r\n"
        + "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
        + "-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n"
        + "-ERR wrong number of arguments for 'client|setname' command\r\n"
        + "-ERR value is not an integer or out of range\r\n"
        + "+OK\r\n"
        + "-NOPROTO unsupported protocol version\r\n"
        + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        + "*2\r\n$1\r\nv\r\n$-1\r\n";
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("GET\r\nFOO a b\r\nCLIENT nope\r\nCLIENT SETNAME\r\nSELECT x\r\nSELECT 0\r\nHELLO 4\r\n"
          + "GET list\r\nMGET k list\r\n", expected);
    }
  }

  @Test
  void writesAreRefusedAndNeverReachRedis() throws Exception {
    String refused = "-ERR 'set' refused: redis-proxy is read-only (it serves GET and MGET)\r\n"
        + "-ERR 'del' refused: redis-proxy is read-only (it serves GET and MGET)\r\n"
        + "-ERR 'flushall' refused: redis-proxy is read-only (it serves GET and MGET)\r\n";
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("SET k changed\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\nflushall\r\n", refused);
    }
    try (Jedis jedis = proxy.redis().client()) {
      assertThat(jedis.get("k")).isEqualTo("v");
    }
  }

  @Test
  void binaryValueComesBackByteForByte() throws Exception {
    byte[] value = {'a', '\r', '\n', 0, (byte) 0xff, (byte) 0xc3, '$', '-', '1', '\r', '\n'};
    proxy.redis().set("bin".getBytes(StandardCharsets.US_ASCII), value);
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      for (int round = 0; round < 2; round++) {
        c.send("GET bin\r\n").expect(bytes("$11\r\n", value, "\r\n"));
      }
    }
  }

  @Test
  void largeValuesBetweenSmallRepliesKeepTheirPlace() throws Exception {
    byte[] big = new byte[200_000];
    new Random(7).nextBytes(big);
    proxy.redis().set("big".getBytes(StandardCharsets.US_ASCII), big);
    byte[] round = bytes("$1\r\nv\r\n$200000\r\n", big, "\r\n+PONG\r\n*2\r\n$200000\r\n", big, "\r\n$1\r\nv\r\n");
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.send("GET k\r\nGET big\r\nPING\r\nMGET big k\r\n".repeat(2)).expect(bytes(round, round));
    }
  }

  @Test
  void largeRepliesBeyondTheSocketsWriteQueueArriveWholeAndInOrder() throws Exception {
    byte[] big = new byte[200_000];
    new Random(11).nextBytes(big);
    proxy.redis().set("big2".getBytes(StandardCharsets.US_ASCII), big);
    int n = 100;
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.send("GET big2\r\nECHO x\r\n".repeat(n));
      for (int i = 0; i < n; i++) {
        c.expect("$200000\r\n");
        assertThat(c.read(big.length)).isEqualTo(big);
        c.expect("\r\n$1\r\nx\r\n");
      }
    }
  }

  @Test
  void quitRepliesOkThenCloses() throws Exception {
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("PING\r\nQUIT\r\nPING\r\n", "+PONG\r\n+OK\r\n");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void clientThatWritesFasterThanItReadsLosesNothing() throws Exception {
    int n = 100_000;
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      CompletableFuture<Void> writing = c.sendInBackground("PING\r\n".repeat(n));
      byte[] replies = c.read(n * "+PONG\r\n".length());
      assertThat(new String(replies, StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n".repeat(n));
      writing.join();
    }
  }
}
