package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RawHttp.Response;
import dev.redisproxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * The HTTP contract of DESIGN.md, checked from outside against the running jar: statuses,
 * headers and the exact bytes of bodies. One proxy serves every test here (two HTTP verticle
 * instances, so requests really are spread over event loops); each test uses keys of its own.
 * Passes against an external deployment with default settings too.
 */
class HttpApiIT {

  private static final String OCTET_STREAM = "application/octet-stream";

  // A generous REDIS_TIMEOUT: a multi-megabyte read on a loaded machine must not count as Redis being slow.
  @RegisterExtension
  static final ProxyStack stack = ProxyStack.localOrExternal(Map.of("MAX_PARALLEL", "2", "REDIS_TIMEOUT", "10s"));

  @Test
  void firstReadIsAMissThenHitsServeTheCachedValueEvenAfterRedisChanges() throws Exception {
    String key = stack.key("cached");
    stack.set(key, "v1");

    Reply first = stack.get(key);
    assertThat(first.status()).as("%s", first).isEqualTo(200);
    assertThat(first.xCache()).isEqualTo("MISS");
    assertThat(first.header("Content-Type")).isEqualTo(OCTET_STREAM);
    assertThat(first.header("Content-Length")).isEqualTo("2");
    assertThat(first.text()).isEqualTo("v1");

    Reply second = stack.get(key);
    assertThat(second.status()).as("%s", second).isEqualTo(200);
    assertThat(second.xCache()).isEqualTo("HIT");
    assertThat(second.header("Content-Type")).isEqualTo(OCTET_STREAM);
    assertThat(second.text()).isEqualTo("v1");

    stack.set(key, "v2");
    Reply afterChange = stack.get(key);
    assertThat(afterChange.status()).as("%s", afterChange).isEqualTo(200);
    assertThat(afterChange.xCache()).isEqualTo("HIT");
    assertThat(afterChange.text()).as("the cached value until CACHE_TTL passes").isEqualTo("v1");
  }

  @Test
  void missingKeyIs404AndIsNotCached() throws Exception {
    String key = stack.key("missing");

    Reply missing = stack.get(key);
    assertThat(missing.status()).as("%s", missing).isEqualTo(404);
    assertThat(missing.xCache()).isNull();

    stack.set(key, "appeared");
    Reply found = stack.get(key);
    assertThat(found.status()).as("no negative caching: %s", found).isEqualTo(200);
    assertThat(found.xCache()).isEqualTo("MISS");
    assertThat(found.text()).isEqualTo("appeared");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/get/", "/get"})
  void emptyKeyIs400(String path) throws Exception {
    try (RawHttp conn = stack.connect()) {
      Response r = conn.send(RawHttp.request("GET", path)).read();
      assertThat(r.status()).as("%s", r).isEqualTo(400);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"%zz", "abc%", "abc%4", "a%g1b", "%%41"})
  void badPercentEncodingIs400(String rawKey) throws Exception {
    try (RawHttp conn = stack.connect()) {
      Response r = conn.send(RawHttp.request("GET", "/get/" + rawKey)).read();
      assertThat(r.status()).as("%s", r).isEqualTo(400);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
  void otherMethodsAre405WithAllowAndChangeNothing(String method) throws Exception {
    String key = stack.key("readonly-" + method);
    stack.set(key, "original");

    Reply r = stack.http().send(method, ProxyClient.path(key),
        "overwritten".getBytes(StandardCharsets.UTF_8));

    assertThat(r.status()).as("%s", r).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
    try (Jedis redis = stack.redis()) {
      assertThat(redis.get(key)).as("the proxy is read-only").isEqualTo("original");
    }
  }

  @Test
  void headAnswersLikeGetWithoutABody() throws Exception {
    String key = stack.key("head");
    String path = ProxyClient.path(key);
    stack.set(key, "hello");

    // One keep-alive connection: if HEAD sent any body bytes, the next response would not parse.
    try (RawHttp conn = stack.connect()) {
      Response head = conn.send(RawHttp.request("HEAD", path)).readHead();
      assertThat(head.status()).as("%s", head).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo("5");
      assertThat(head.header("Content-Type")).isEqualTo(OCTET_STREAM);
      assertThat(head.header("X-Cache")).isEqualTo("MISS");

      Response get = conn.send(RawHttp.request("GET", path)).read();
      assertThat(get.status()).as("%s", get).isEqualTo(200);
      assertThat(get.header("X-Cache")).isEqualTo("HIT");
      assertThat(get.text()).isEqualTo("hello");

      Response headMissing = conn.send(RawHttp.request("HEAD", path + "-missing")).readHead();
      assertThat(headMissing.status()).as("%s", headMissing).isEqualTo(404);

      Response headAgain = conn.send(RawHttp.request("HEAD", path)).readHead();
      assertThat(headAgain.status()).as("%s", headAgain).isEqualTo(200);
      assertThat(headAgain.header("X-Cache")).isEqualTo("HIT");

      Response last = conn.send(RawHttp.request("GET", path)).read();
      assertThat(last.text()).isEqualTo("hello");
    }
  }

  @Test
  void keyIsThePercentDecodedRestOfThePath() throws Exception {
    String prefix = stack.key("");
    stack.set(prefix + "hello world", "spaced");
    stack.set(prefix + "a/b", "slashed");
    stack.set(prefix + "ключ", "cyrillic");
    stack.set(prefix + "100%", "percent");
    stack.set(prefix + "x+y", "plus");
    stack.set(concat(prefix.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xFF, 'k'}), bytes("binary key"));

    assertValue("/get/" + prefix + "hello%20world", "spaced");
    assertValue("/get/" + prefix + "a/b", "slashed");
    assertValue("/get/" + prefix + "a%2Fb", "slashed");
    assertValue("/get/" + prefix + "%D0%BA%D0%BB%D1%8E%D1%87", "cyrillic");
    assertValue("/get/" + prefix + "%d0%ba%d0%bb%d1%8e%d1%87", "cyrillic");
    assertValue("/get/" + prefix + "100%25", "percent");
    assertValue("/get/" + prefix + "x+y", "plus"); // a path is not a form: '+' stays '+'
    assertValue("/get/" + prefix + "%FFk", "binary key");
  }

  private static void assertValue(String rawPath, String expected) throws Exception {
    Reply r = stack.http().send("GET", rawPath, null);
    assertThat(r.status()).as("GET %s: %s", rawPath, r).isEqualTo(200);
    assertThat(r.text()).as("GET %s", rawPath).isEqualTo(expected);
  }

  @Test
  void binaryValueComesBackByteForByte() throws Exception {
    byte[] key = bytes(stack.key("binary"));
    ByteArrayOutputStream value = new ByteArrayOutputStream();
    value.writeBytes(bytes("line1\r\nline2\r\n\r\n"));
    value.writeBytes(new byte[] {0, 'n', 0, 0, (byte) 0xFF, (byte) 0xFE, (byte) 0xC3, 0x28, (byte) 0x80, (byte) 0xED, (byte) 0xA0, (byte) 0x80});
    value.writeBytes(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")); // looks like a response; is data
    byte[] expected = value.toByteArray();
    stack.set(key, expected);

    Reply miss = stack.get(key);
    assertThat(miss.status()).as("%s", miss).isEqualTo(200);
    assertThat(miss.xCache()).isEqualTo("MISS");
    assertThat(miss.body()).isEqualTo(expected);

    // On the wire: exactly Content-Length bytes, then the next response on the same connection.
    String path = ProxyClient.path(key);
    try (RawHttp conn = stack.connect()) {
      Response hit = conn.send(RawHttp.request("GET", path)).read();
      assertThat(hit.status()).as("%s", hit).isEqualTo(200);
      assertThat(hit.header("X-Cache")).isEqualTo("HIT");
      assertThat(hit.header("Content-Length")).isEqualTo(Integer.toString(expected.length));
      assertThat(hit.body()).isEqualTo(expected);
      Response next = conn.send(RawHttp.request("GET", path)).read();
      assertThat(next.status()).as("%s", next).isEqualTo(200);
      assertThat(next.body()).isEqualTo(expected);
    }
  }

  @Test
  void multiMegabyteValueComesBackWhole() throws Exception {
    byte[] key = bytes(stack.key("large"));
    byte[] expected = new byte[5 * 1024 * 1024 + 7];
    new Random(42).nextBytes(expected);
    stack.set(key, expected);

    Reply miss = stack.get(key);
    assertThat(miss.status()).as("%s", miss).isEqualTo(200);
    assertThat(miss.xCache()).isEqualTo("MISS");
    assertThat(miss.header("Content-Length")).isEqualTo(Integer.toString(expected.length));
    assertThat(miss.body()).isEqualTo(expected);

    Reply hit = stack.get(key);
    assertThat(hit.status()).as("%s", hit).isEqualTo(200);
    assertThat(hit.xCache()).isEqualTo("HIT");
    assertThat(hit.body()).isEqualTo(expected);
  }

  @Test
  void redisErrorIs502WithItsText() throws Exception {
    String key = stack.key("a-list");
    try (Jedis redis = stack.redis()) {
      redis.rpush(key, "element");
    }

    Reply r = stack.get(key);

    assertThat(r.status()).as("%s", r).isEqualTo(502);
    assertThat(r.text()).contains("WRONGTYPE");
    assertThat(r.xCache()).isNull();
  }

  /**
   * 200 clients, each on its own connection, all connected before any sends, ask for 50 fresh
   * keys at once (4 clients per key). Each must get its own key's value. Against a local Redis
   * it also counts Redis GETs: with caching and coalescing, each key is read exactly once.
   */
  @Test
  void manyConcurrentClientsEachGetTheirKeysValue() throws Exception {
    int keys = 50;
    int clients = 200;
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    try (Jedis redis = stack.redis()) {
      for (int i = 0; i < keys; i++) {
        names.add(stack.key("concurrent-" + i));
        values.add("value-" + i + "-" + "x".repeat(i * 10));
        redis.set(names.get(i), values.get(i));
      }
      if (stack.local()) {
        redis.configResetStat();
      }
    }
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      paths.add(ProxyClient.path(names.get(i % keys)));
    }

    List<Response> responses = getAllAtOnce(paths);

    for (int i = 0; i < clients; i++) {
      Response r = responses.get(i);
      assertThat(r.status()).as("client %d: %s", i, r).isEqualTo(200);
      assertThat(r.header("X-Cache")).isIn("HIT", "MISS");
      assertThat(r.text()).as("client %d", i).isEqualTo(values.get(i % keys));
    }
    if (stack.local()) {
      assertThat(redisGetCalls()).as("Redis GETs for %d keys read by %d clients", keys, clients).isEqualTo(keys);
    }
  }

  /** One GET per path, each on a connection of its own; all connect first, then all send at once. */
  private static List<Response> getAllAtOnce(List<String> paths) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(paths.size());
    try {
      CountDownLatch connected = new CountDownLatch(paths.size());
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Response>> pending = new ArrayList<>();
      for (String path : paths) {
        pending.add(pool.submit(() -> {
          RawHttp conn;
          try {
            conn = stack.connect();
          } finally {
            connected.countDown();
          }
          try (conn) {
            go.await();
            return conn.send(RawHttp.request("GET", path)).read();
          }
        }));
      }
      assertThat(connected.await(60, TimeUnit.SECONDS)).as("all clients connected").isTrue();
      go.countDown();
      List<Response> responses = new ArrayList<>();
      for (Future<Response> f : pending) {
        responses.add(f.get(60, TimeUnit.SECONDS));
      }
      return responses;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long redisGetCalls() {
    try (Jedis redis = stack.redis()) {
      for (String line : redis.info("commandstats").split("\r?\n")) {
        if (line.startsWith("cmdstat_getrange:")) { // a read: GETRANGE, then PTTL
          String calls = line.substring(line.indexOf("calls=") + 6);
          return Long.parseLong(calls.substring(0, calls.indexOf(',')));
        }
      }
      return 0;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
