package dev.redisproxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RawConnection;
import dev.redisproxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys and values at the edges, through the running jar over HTTP and RESP, compared byte for
 * byte with what was stored in Redis: an empty value, a 50 MiB binary value (a miss over HTTP,
 * then a hit over RESP), UTF-8 keys (percent-encoded and raw in the path), a key holding every
 * byte value, the empty key and a 512 KiB key over RESP, and a key too long for an HTTP request
 * line (414). Skipped against an external deployment.
 */
class EdgeValuesIT {

  private static final int LARGE_VALUE = 50 << 20;
  private static final int LARGE_KEY = 512 << 10;

  // A generous REDIS_TIMEOUT: moving 50 MiB on a loaded machine is slow, not a fault.
  @RegisterExtension
  static final ProxyStack stack = ProxyStack.local(Map.of("RESP_PORT", ProxyStack.FREE_PORT, "REDIS_TIMEOUT", "20s"));

  @Test
  void emptyValue() throws Exception {
    String k = stack.key("empty-value");
    stack.set(k, "");
    for (String cache : new String[] {"MISS", "HIT"}) {
      Reply r = stack.get(k);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).isEqualTo(cache);
      assertThat(r.body()).isEmpty();
      assertThat(r.header("Content-Length")).isEqualTo("0");
    }
    try (RawConnection resp = resp()) {
      RawConnection.Reply r = resp.call("GET", k);
      assertThat(r.type()).isEqualTo('$');
      assertThat(r.bytes()).as("an empty bulk, not nil").isEmpty();
    }
  }

  @Test
  void fiftyMebibyteValueOverHttpAndResp() throws Exception {
    byte[] key = bytes(stack.key("large-value"));
    byte[] value = new byte[LARGE_VALUE];
    new Random(50).nextBytes(value);
    stack.set(key, value);
    Reply miss = stack.get(key);
    assertThat(miss.status()).isEqualTo(200);
    assertThat(miss.xCache()).isEqualTo("MISS");
    assertThat(miss.body()).as("50 MiB over HTTP, from Redis").isEqualTo(value);
    try (RawConnection resp = resp()) {
      RawConnection.Reply r = resp.sendCommand(bytes("GET"), key).reply();
      assertThat(r.bytes()).as("50 MiB over RESP, from the cache").isEqualTo(value);
    }
  }

  @Test
  void utf8KeysPercentEncodedRawAndOverResp() throws Exception {
    String k = stack.key("ключ-🔑-キー-é");
    stack.set(k, "unicode");
    assertThat(stack.get(k).text()).as("percent-encoded UTF-8").isEqualTo("unicode");
    try (RawHttp conn = stack.connect()) {
      // As curl sends it: the UTF-8 bytes raw in the request line.
      byte[] request = concat(bytes("GET /get/"), bytes(k), bytes(" HTTP/1.1\r\nHost: e2e\r\n\r\n"));
      RawHttp.Response r = conn.send(request).read();
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      assertThat(r.text()).isEqualTo("unicode");
    }
    try (RawConnection resp = resp()) {
      assertThat(resp.call("GET", k).text()).isEqualTo("unicode");
    }
  }

  @Test
  void aKeyWithEveryByteValue() throws Exception {
    ByteArrayOutputStream key = new ByteArrayOutputStream();
    key.writeBytes(bytes(stack.key("bytes-")));
    for (int b = 0; b < 256; b++) {
      key.write(b);
    }
    byte[] k = key.toByteArray();
    byte[] value = {0, '\r', '\n', (byte) 0xFF, '$', '-', '1'};
    stack.set(k, value);
    assertThat(stack.get(k).body()).as("over HTTP, percent-encoded").isEqualTo(value);
    try (RawConnection resp = resp()) {
      assertThat(resp.sendCommand(bytes("GET"), k).reply().bytes()).as("over RESP").isEqualTo(value);
    }
  }

  @Test
  void theEmptyKeyAndAHalfMebibyteKeyOverResp() throws Exception {
    byte[] large = new byte[LARGE_KEY];
    new Random(512).nextBytes(large);
    stack.set(large, bytes("large key"));
    stack.set(new byte[0], bytes("empty key"));
    try (RawConnection resp = resp()) {
      assertThat(resp.sendCommand(bytes("GET"), large).reply().text()).isEqualTo("large key");
      assertThat(resp.sendCommand(bytes("GET"), large).reply().text()).as("a hit").isEqualTo("large key");
      assertThat(resp.sendCommand(bytes("GET"), new byte[0]).reply().text()).isEqualTo("empty key");
      RawConnection.Reply both = resp.sendCommand(bytes("MGET"), large, new byte[0], bytes(stack.key("absent"))).reply();
      assertThat(both.elements()).extracting(RawConnection.Reply::text).containsExactly("large key", "empty key", null);
    }
  }

  @Test
  void aKeyPastTheUriLimitIs414OverHttp() throws Exception {
    String k = stack.key("long-") + "k".repeat(5000);
    stack.set(k, "unreachable over HTTP");
    try (RawHttp conn = stack.connect()) {
      RawHttp.Response r = conn.send(RawHttp.request("GET", ProxyClient.path(k))).read();
      assertThat(r.status()).as("%s", r).isEqualTo(414);
    }
    try (RawConnection resp = resp()) {
      assertThat(resp.call("GET", k).text()).as("the same key over RESP").isEqualTo("unreachable over HTTP");
    }
  }

  private static RawConnection resp() throws Exception {
    return RawConnection.connect(stack.proxyHost(), stack.respPort());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
