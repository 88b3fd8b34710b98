package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

class SlotMapTest {

  private static int slot(String key) {
    return SlotMap.slot(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void slotsAreTheClusterSpecificationsCrc16OfTheKeyOrItsHashTag() {
    // The specification's example: CRC16("123456789") = 0x31C3.
    assertThat(slot("123456789")).isEqualTo(0x31C3 & 16383);
    assertThat(slot("foo")).isEqualTo(12182);
    assertThat(slot("{user1000}.following")).isEqualTo(slot("user1000"));
    assertThat(slot("foo{}{bar}")).as("an empty tag: the whole key").isEqualTo(JedisClusterCRC16.getSlot("foo{}{bar}"));
    assertThat(slot("foo{{bar}}zap")).as("from the first { to the next }").isEqualTo(slot("{bar"));
    assertThat(slot("foo{bar}{zap}")).isEqualTo(slot("bar"));
    assertThat(slot("no{close")).isEqualTo(JedisClusterCRC16.getSlot("no{close"));
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      byte[] key = new byte[random.nextInt(20)];
      random.nextBytes(key);
      assertThat(SlotMap.slot(key)).as("key %d", i).isEqualTo(JedisClusterCRC16.getSlot(key));
    }
  }

  private static List<Object> node(String host, long port) {
    return List.of(Buffer.buffer(host), port, Buffer.buffer("id-" + port));
  }

  @Test
  void readsClusterSlotsWithMastersReplicasAndUnknownHosts() {
    Object reply = List.of(
        List.of(0L, 5460L, node("10.0.0.1", 7000), node("10.0.0.4", 7003)),
        List.of(5461L, 10922L, node("", 7001)),
        List.of(10923L, 16383L, node("?", 7002), node("10.0.0.5", 7004)),
        List.of(16000L, 16000L, node("::1", 7005)));
    SlotMap map = SlotMap.parse(reply, "10.0.0.9");
    assertThat(map.master(0)).isEqualTo("10.0.0.1:7000");
    assertThat(map.master(5460)).isEqualTo("10.0.0.1:7000");
    assertThat(map.master(5461)).as("empty host: the node asked").isEqualTo("10.0.0.9:7001");
    assertThat(map.master(16383)).isEqualTo("10.0.0.9:7002");
    assertThat(map.master(16000)).isEqualTo("[::1]:7005");
    assertThat(map.masters()).containsExactly("10.0.0.1:7000", "10.0.0.9:7001", "10.0.0.9:7002", "[::1]:7005");
    assertThat(map.nodes()).contains("10.0.0.4:7003", "10.0.0.5:7004");
    assertThat(SlotMap.parse(reply, "10.0.0.9")).isEqualTo(map);
    SlotMap resharded = SlotMap.parse(List.of(
        List.of(0L, 5459L, node("10.0.0.1", 7000)),
        List.of(5460L, 10922L, node("", 7001)),
        List.of(10923L, 16383L, node("?", 7002))), "10.0.0.9");
    assertThat(resharded).isNotEqualTo(map);
    assertThat(map.moved(resharded)).isEqualTo(2);
    SlotMap partial = SlotMap.parse(List.of(List.of(0L, 9L, node("h", 1))), "x");
    assertThat(partial.master(10)).as("unassigned").isNull();
  }

  @Test
  void aRedirectionNamesItsNodeAsTheMapDoes() {
    assertThat(SlotMap.endpoint("10.0.0.1:7000")).isEqualTo("10.0.0.1:7000");
    assertThat(SlotMap.endpoint("::1:7000")).isEqualTo("[::1]:7000");
    assertThat(SlotMap.endpoint("[::1]:7000")).isEqualTo("[::1]:7000");
    assertThat(SlotMap.endpoint(":7000")).as("no host").isNull();
    assertThat(SlotMap.endpoint("host:port")).isNull();
  }

  @Test
  void refusesWhatIsNotASlotMap() {
    assertThatThrownBy(() -> SlotMap.parse("OK", "h")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SlotMap.parse(List.of(List.of(0L, 16384L, node("h", 1))), "h"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SlotMap.parse(List.of(List.of(0L, 1L, List.of())), "h"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
