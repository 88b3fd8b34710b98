package dev.redisproxy.resp;

import static dev.redisproxy.testing.RawConnection.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.PrometheusText;
import dev.redisproxy.testing.ProxyFixture;
import dev.redisproxy.testing.RawConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * Exact bytes of every command in RESP2 and in RESP3 (after {@code HELLO 3}), and the protocol
 * switched in the middle of a connection. The RESP3 shapes are those Redis 7.0 sends: null
 * {@code _}, the HELLO map, INFO as a {@code txt} verbatim string, sets and maps in COMMAND.
 */
class RespProtocolBytesIT {

  private static final String SECRET = "s3cret-for-resp3";
  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp();
  @RegisterExtension
  static final ProxyFixture secured = ProxyFixture.withRedis().withResp()
      .with(Map.of("PROXY_PASSWORD", SECRET, "KEY_PATTERNS", "open:*"));

  @BeforeAll
  static void seed() throws Exception {
    proxy.redis().set("k", "v");
    try (Jedis jedis = proxy.redis().client()) {
      jedis.rpush("list", "a");
    }
    secured.redis().set("open:k", "v");
  }

  /** What the proxy answers HELLO with, in RESP2 ({@code proto} 2) or RESP3. */
  private static String hello(int proto, long id) {
    String fields = "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:" + proto
        + "\r\n$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        + "$7\r\nmodules\r\n*0\r\n";
    return (proto == 3 ? "%7\r\n" : "*14\r\n") + fields;
  }

  /** A connection switched to RESP3; returns its CLIENT ID. */
  private static long resp3(RawConnection c) throws Exception {
    long id = id(c);
    c.exchange("HELLO 3\r\n", hello(3, id));
    return id;
  }

  private static long id(RawConnection c) throws Exception {
    c.send("CLIENT ID\r\n");
    return Long.parseLong(c.line().substring(1));
  }

  @Test
  void helloSwitchesTheProtocolBothWaysAndWithoutAVersionReportsIt() throws Exception {
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      long id = id(c);
      c.exchange("HELLO\r\nGET nope\r\n", hello(2, id) + "$-1\r\n");
      c.exchange("HELLO 3\r\nGET nope\r\nHELLO\r\n", hello(3, id) + "_\r\n" + hello(3, id));
      c.exchange("HELLO 2\r\nGET nope\r\n", hello(2, id) + "$-1\r\n");
      c.exchange("HELLO 3 SETNAME resp3-client\r\nCLIENT GETNAME\r\n", hello(3, id) + "$12\r\nresp3-client\r\n");
    }
  }

  @Test
  void badHellosLeaveTheProtocolAsItWas() throws Exception {
    try (RawConnection c = connect(3)) {
      c.exchange("HELLO 4\r\nHELLO 1\r\nHELLO -1\r\nHELLO x\r\nHELLO 99999999999999999999\r\nHELLO 4 nonsense\r\n"
          + "HELLO 2 nonsense\r\nHELLO 2 SETNAME \"a b\"\r\nHELLO 2 SETNAME\r\nGET nope\r\n",
          "-NOPROTO unsupported protocol version\r\n".repeat(3)
          + "-ERR Protocol version is not an integer or out of range\r\n".repeat(2)
          + "-NOPROTO unsupported protocol version\r\n"
          + "-ERR Syntax error in HELLO option 'nonsense'\r\n"
          + "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
          + "-ERR Syntax error in HELLO option 'SETNAME'\r\n"
          + "_\r\n");
    }
  }

  @Test
  void nilIsResp3NullInGetMgetAndClientGetname() throws Exception {
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      String request = "GET k\r\nGET nope\r\nMGET k nope list k\r\nCLIENT GETNAME\r\n";
      c.exchange(request, "$1\r\nv\r\n$-1\r\n*4\r\n$1\r\nv\r\n$-1\r\n$-1\r\n$1\r\nv\r\n$-1\r\n");
      resp3(c);
      c.exchange(request, "$1\r\nv\r\n_\r\n*4\r\n$1\r\nv\r\n_\r\n_\r\n$1\r\nv\r\n_\r\n");
    }
  }

  @Test
  void repliesAlreadyQueuedKeepTheProtocolTheirCommandWasTakenIn() throws Exception {
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      long id = id(c);
      // One write: the misses are still reading Redis when HELLO switches the connection.
      c.exchange("GET miss-a\r\nMGET miss-b k\r\nHELLO 3\r\nGET miss-c\r\nMGET miss-d k\r\nHELLO 2\r\nGET miss-e\r\n",
          "$-1\r\n*2\r\n$-1\r\n$1\r\nv\r\n" + hello(3, id) + "_\r\n*2\r\n_\r\n$1\r\nv\r\n" + hello(2, id) + "$-1\r\n");
    }
  }

  @Test
  void connectionCommandsAndErrorsAreTheSameBytesInBothProtocols() throws Exception {
    String request = "PING\r\nPING hi\r\nECHO \"a\\r\\nb\"\r\nSELECT 0\r\nSELECT 1\r\nSELECT x\r\nAUTH pw\r\nAUTH a b c\r\n"
        + "CLIENT SETNAME n1\r\nCLIENT GETNAME\r\nCLIENT SETINFO lib-name x\r\nCLIENT SETINFO nope x\r\nCLIENT nope\r\n"
        + "CLIENT HELP\r\nGET\r\nFOO a b\r\nSET k x\r\nGET list\r\nCOMMAND COUNT\r\nCOMMAND LIST\r\nCOMMAND nope\r\n";
    String expected = "+PONG\r\n$2\r\nhi\r\n$4\r\na\r\nb\r\n+OK\r\n"
        + "-ERR DB index is out of range: redis-proxy serves database 0 only\r\n"
        + "-ERR value is not an integer or out of range\r\n+OK\r\n-ERR syntax error\r\n"
        + "+OK\r\n$2\r\nn1\r\n+OK\r\n-ERR Unrecognized option 'nope'\r\n"
        + "-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n"
        + "*6\r\n+CLIENT <subcommand> [<arg> ...]. Subcommands are:\r\n+GETNAME\r\n+ID\r\n"
        + "+SETINFO <LIB-NAME|LIB-VER> <value>\r\n+SETNAME <name>\r\n+HELP\r\n"
        + "-ERR wrong number of arguments for 'get' command\r\n"
        + "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
        + "-ERR 'set' refused: redis-proxy is read-only (it serves GET and MGET)\r\n"
        + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        + ":11\r\n*11\r\n$3\r\nget\r\n$4\r\nmget\r\n$4\r\nping\r\n$4\r\necho\r\n$4\r\nquit\r\n$6\r\nselect\r\n"
        + "$4\r\nauth\r\n$5\r\nhello\r\n$6\r\nclient\r\n$7\r\ncommand\r\n$4\r\ninfo\r\n"
        + "-ERR unknown subcommand 'nope'. Try COMMAND HELP.\r\n";
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange(request, expected);
      long id = resp3(c);
      c.exchange(request + "CLIENT ID\r\nQUIT\r\n", expected + ":" + id + "\r\n+OK\r\n");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void commandInfoUsesSetsInResp3AsRedisDoes() throws Exception {
    String resp2 = "*3\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
        + "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n$-1\r\n"
        + "*10\r\n$6\r\nclient\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*4\r\n"
        + clientSub("setname", 3, '*') + clientSub("getname", 2, '*') + clientSub("setinfo", 4, '*')
        + clientSub("id", 2, '*');
    String resp3 = "*3\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
        + "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~0\r\n~0\r\n_\r\n"
        + "*10\r\n$6\r\nclient\r\n:-2\r\n~0\r\n:0\r\n:0\r\n:0\r\n~1\r\n+@slow\r\n~0\r\n~0\r\n*4\r\n"
        + clientSub("setname", 3, '~') + clientSub("getname", 2, '~') + clientSub("setinfo", 4, '~')
        + clientSub("id", 2, '~');
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("COMMAND INFO get nosuch client\r\n", resp2);
      resp3(c);
      c.exchange("COMMAND INFO get nosuch client\r\n", resp3);
    }
  }

  private static String clientSub(String name, int arity, char set) {
    String full = "client|" + name;
    return "*10\r\n$" + full.length() + "\r\n" + full + "\r\n:" + arity + "\r\n" + set + "1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"
        + set + "2\r\n+@fast\r\n+@connection\r\n" + set + "0\r\n" + set + "0\r\n" + set + "0\r\n";
  }

  @Test
  void commandDocsIsAMapOfMapsInResp3() throws Exception {
    String summary = "$7\r\nsummary\r\n$36\r\nGet the values of all the given keys\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
        + "$5\r\ngroup\r\n$6\r\nstring\r\n$9\r\narguments\r\n*1\r\n";
    String arg = "$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n$5\r\nflags\r\n";
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("COMMAND DOCS mget nosuch\r\nCOMMAND DOCS nosuch\r\n",
          "*2\r\n$4\r\nmget\r\n*8\r\n" + summary + "*8\r\n" + arg + "*1\r\n+multiple\r\n*0\r\n");
      resp3(c);
      c.exchange("COMMAND DOCS mget nosuch\r\nCOMMAND DOCS nosuch\r\n",
          "%1\r\n$4\r\nmget\r\n%4\r\n" + summary + "%4\r\n" + arg + "~1\r\n+multiple\r\n%0\r\n");
    }
  }

  @Test
  void wholeCommandTablesDifferOnlyInTheirTypes() throws Exception {
    for (String request : new String[] {"COMMAND\r\n", "COMMAND DOCS\r\n", "COMMAND DOCS client hello\r\n"}) {
      String resp2;
      String resp3;
      try (RawConnection c = RawConnection.plain(proxy.respPort())) {
        resp2 = readAll(c, request);
        resp3(c);
        resp3 = readAll(c, request);
      }
      assertThat(resp3).as(request).isNotEqualTo(resp2).startsWith(request.startsWith("COMMAND\r") ? "*11\r\n" : "%");
      // Map headers count pairs where RESP2 counts elements; sets are arrays in RESP2.
      assertThat(asResp2(resp3)).as(request).isEqualTo(resp2);
    }
  }

  /** Reads the reply to {@code request} up to the PING sent after it. */
  private static String readAll(RawConnection c, String request) throws Exception {
    c.send(request + "ECHO end-of-reply\r\n");
    StringBuilder out = new StringBuilder();
    while (!out.toString().endsWith("$12\r\nend-of-reply\r\n")) {
      out.append(c.line()).append("\r\n");
    }
    return out.substring(0, out.length() - "$12\r\nend-of-reply\r\n".length());
  }

  private static String asResp2(String resp3) {
    StringBuilder out = new StringBuilder();
    for (String line : resp3.split("\r\n", -1)) {
      if (line.startsWith("%")) {
        line = "*" + 2 * Integer.parseInt(line.substring(1));
      } else if (line.startsWith("~")) {
        line = "*" + line.substring(1);
      } else if (line.equals("_")) {
        line = "$-1";
      }
      out.append(line).append("\r\n");
    }
    return out.substring(0, out.length() - 2);
  }

  @Test
  void infoIsAVerbatimStringInResp3() throws Exception {
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("INFO nosuch\r\n", "$0\r\n\r\n");
      resp3(c);
      c.exchange("INFO nosuch\r\n", "=4\r\ntxt:\r\n");
      c.send("INFO clients\r\n");
      String header = c.line();
      assertThat(header).startsWith("=");
      String body = new String(c.read(Integer.parseInt(header.substring(1)) + 2), StandardCharsets.UTF_8);
      assertThat(body).startsWith("txt:# Clients\r\nconnected_clients:").contains("\r\nmaxclients:").endsWith("\r\n\r\n");
      c.send("INFO\r\n");
      header = c.line();
      body = new String(c.read(Integer.parseInt(header.substring(1)) + 2), StandardCharsets.UTF_8);
      assertThat(body).startsWith("txt:# Server\r\nredis_version:7.0.0\r\n").contains("\r\n\r\n# Clients\r\n", "\r\n\r\n# Cache\r\ncache_hits:");
    }
  }

  @Test
  void binaryValuesAndLargeValuesComeBackByteForByteInResp3() throws Exception {
    byte[] value = {'a', '\r', '\n', 0, (byte) 0xff, '_', '\r', '\n'};
    byte[] big = new byte[100_000];
    new Random(3).nextBytes(big);
    proxy.redis().set("bin3".getBytes(StandardCharsets.US_ASCII), value);
    proxy.redis().set("big3".getBytes(StandardCharsets.US_ASCII), big);
    byte[] round = bytes("$8\r\n", value, "\r\n*3\r\n$100000\r\n", big, "\r\n_\r\n$8\r\n", value, "\r\n");
    try (RawConnection c = connect(3)) {
      c.send("GET bin3\r\nMGET big3 nope bin3\r\n".repeat(2)).expect(bytes(round, round));
    }
  }

  /** A connection in RESP{@code proto}: as it opens (2) or after {@code HELLO 3}. */
  private static RawConnection connect(int proto) throws Exception {
    RawConnection c = RawConnection.plain(proxy.respPort());
    if (proto == 3) {
      resp3(c);
    }
    return c;
  }

  private static String nil(int proto) {
    return proto == 3 ? "_\r\n" : "$-1\r\n";
  }

  @ParameterizedTest(name = "RESP{0}")
  @ValueSource(ints = {2, 3})
  void pipelineLongerThanTheReplyQueueIsAnsweredInFullAndInOrder(int proto) throws Exception {
    int n = 3 * RespConnection.MAX_QUEUED_REPLIES;
    StringBuilder request = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < n; i++) {
      request.append(i % 3 == 0 ? "GET k\r\n" : i % 3 == 1 ? "GET nokey" + i + "\r\n" : "ECHO " + i + "\r\n");
      expected.append(i % 3 == 0 ? "$1\r\nv\r\n" : i % 3 == 1 ? nil(proto) : "$" + Integer.toString(i).length() + "\r\n" + i + "\r\n");
    }
    try (RawConnection c = connect(proto)) {
      CompletableFuture<Void> writing = c.sendInBackground(request.toString());
      c.expect(expected.toString());
      writing.join();
    }
  }

  @ParameterizedTest(name = "RESP{0}")
  @ValueSource(ints = {2, 3})
  void protocolErrorIsAnsweredAfterEarlierRepliesThenTheConnectionCloses(int proto) throws Exception {
    try (RawConnection c = connect(proto)) {
      c.exchange("GET k\r\n*1\r\n$x\r\nPING\r\n", "$1\r\nv\r\n-ERR Protocol error: invalid bulk length\r\n");
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawConnection other = connect(proto)) {
      other.exchange("PING\r\n", "+PONG\r\n");
    }
  }

  @Test
  void authenticationAndKeyPatternsHoldInResp3() throws Exception {
    try (RawConnection c = RawConnection.plain(secured.respPort())) {
      c.exchange("HELLO 3\r\nGET open:k\r\nHELLO 3 AUTH default wrong\r\n",
          "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass>"
          + " option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
          + "-NOAUTH Authentication required.\r\n"
          + "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
      c.send("HELLO 3 AUTH default " + SECRET + "\r\n");
      assertThat(c.line()).isEqualTo("%7");
      while (!c.line().equals("*0")) {
        // the rest of the map, up to its last value: modules, an empty array
      }
      c.exchange("GET open:k\r\nGET open:nope\r\nGET closed:k\r\nMGET open:k closed:k\r\n",
          "$1\r\nv\r\n_\r\n-NOPERM No permissions to access a key\r\n-NOPERM No permissions to access a key\r\n");
    }
  }

  @Test
  void outcomesAreCountedAlikeInBothProtocols() throws Exception {
    double before = requestsOk();
    try (RawConnection c = RawConnection.plain(proxy.respPort())) {
      c.exchange("GET k\r\nMGET k nope\r\n", "$1\r\nv\r\n*2\r\n$1\r\nv\r\n$-1\r\n");
      resp3(c);
      c.exchange("GET k\r\nMGET k nope\r\n", "$1\r\nv\r\n*2\r\n$1\r\nv\r\n_\r\n");
    }
    assertThat(requestsOk()).isEqualTo(before + 4);
  }

  private static double requestsOk() throws Exception {
    HttpResponse<String> res = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return PrometheusText.parse(res.body()).get("redis_proxy_requests_total{frontend=\"resp\",status=\"ok\"}");
  }
}
