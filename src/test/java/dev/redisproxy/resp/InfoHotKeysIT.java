package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.ProxyFixture;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** {@code INFO hotkeys} over RESP, against the whole proxy and a real redis-server. */
class InfoHotKeysIT {

  @RegisterExtension
  static final ProxyFixture proxy = ProxyFixture.withRedis().withResp().withKeys(Map.of("user:42", "v", "a,b=c", "v"));

  @Test
  void listsTheKeysByReadsThenByMissesWithTheKeyLast() {
    try (Jedis jedis = new Jedis("127.0.0.1", proxy.respPort())) {
      for (int i = 0; i < 3; i++) {
        jedis.get("user:42");
      }
      jedis.get("a,b=c");
      jedis.get("nope");
      jedis.get("nope");
      assertThat(jedis.info("hotkeys")).isEqualTo("# Hotkeys\r\n"
          + "hotkeys_window_seconds:60\r\n"
          + "hotkey_0:reads=3,hits=2,misses=1,key=user:42\r\n"
          + "hotkey_1:reads=2,hits=0,misses=2,key=nope\r\n"
          + "hotkey_2:reads=1,hits=0,misses=1,key=a,b=c\r\n"
          + "missedkey_0:reads=2,hits=0,misses=2,key=nope\r\n"
          + "missedkey_1:reads=3,hits=2,misses=1,key=user:42\r\n"
          + "missedkey_2:reads=1,hits=0,misses=1,key=a,b=c\r\n");
      assertThat(jedis.info()).as("not in the default sections").doesNotContain("# Hotkeys").contains("# Cache");
      assertThat(jedis.info("everything")).contains("# Cache\r\n").contains("\r\n\r\n# Hotkeys\r\nhotkeys_window_seconds:60");
    }
  }
}
