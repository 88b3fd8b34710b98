package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The glob matcher agrees with Redis's own {@code KEYS}: random keys and random patterns over an
 * alphabet rich in the syntax's special characters, each pattern's matches compared with what a
 * real redis-server returns. Patterns the proxy refuses at start-up (an unclosed set, a lone
 * trailing backslash) are skipped; Redis reads those loosely. Keys are ASCII and never empty, the
 * two places where Redis's C code differs (signed bytes in ranges; {@code *} and the empty key).
 */
class GlobPatternRedisIT {

  private static final char[] ALPHABET = {'a', 'b', 'c', '-', '^', '[', ']', '\\', '*', '?'};

  @Test
  void matchesWhatRedisKeysMatches() throws Exception {
    Random random = new Random(20261126);
    Set<String> keys = new HashSet<>();
    while (keys.size() < 400) {
      keys.add(randomText(random, 1 + random.nextInt(5)));
    }
    int compared = 0;
    try (RedisProcess redis = RedisProcess.start(); Jedis jedis = redis.client()) {
      for (String key : keys) {
        jedis.set(key, "v");
      }
      for (int i = 0; i < 1500; i++) {
        String pattern = randomText(random, 1 + random.nextInt(6));
        GlobPattern glob;
        try {
          glob = GlobPattern.compile(pattern);
        } catch (IllegalArgumentException refusedAtStartUp) {
          continue;
        }
        Set<String> expected = new TreeSet<>(jedis.keys(pattern));
        List<String> ours = new ArrayList<>();
        for (String key : keys) {
          if (glob.matches(key.getBytes(StandardCharsets.UTF_8))) {
            ours.add(key);
          }
        }
        assertThat(new TreeSet<>(ours)).as("keys matching '%s'", pattern).isEqualTo(expected);
        compared++;
      }
    }
    assertThat(compared).as("patterns compared").isGreaterThan(500);
  }

  private static String randomText(Random random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }
}
