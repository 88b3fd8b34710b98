package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyPatternsTest {

  @Test
  void aKeyIsAllowedWhenAnyPatternMatches() {
    KeyPatterns patterns = KeyPatterns.parse("user:*, session:?? ,config");
    assertThat(allows(patterns, "user:1")).isTrue();
    assertThat(allows(patterns, "session:ab")).isTrue();
    assertThat(allows(patterns, "config")).isTrue();
    assertThat(allows(patterns, "session:abc")).isFalse();
    assertThat(allows(patterns, " config")).isFalse();
    assertThat(allows(patterns, "secret")).isFalse();
    assertThat(patterns).hasToString("user:*,session:??,config");
  }

  @Test
  void anEscapedCommaBelongsToThePattern() {
    KeyPatterns patterns = KeyPatterns.parse("a\\,b,c[\\,;]d");
    assertThat(allows(patterns, "a,b")).isTrue();
    assertThat(allows(patterns, "c,d")).isTrue();
    assertThat(allows(patterns, "c;d")).isTrue();
    assertThat(allows(patterns, "a")).isFalse();
    assertThat(allows(patterns, "b")).isFalse();
  }

  @Test
  void emptyOrMalformedPatternsAreRefused() {
    assertThatThrownBy(() -> KeyPatterns.parse("a,,b")).hasMessageContaining("empty pattern");
    assertThatThrownBy(() -> KeyPatterns.parse("a,")).hasMessageContaining("empty pattern");
    assertThatThrownBy(() -> KeyPatterns.parse("a,[b")).hasMessageContaining("'[b'");
  }

  private static boolean allows(KeyPatterns patterns, String key) {
    return patterns.allows(key.getBytes(StandardCharsets.UTF_8));
  }
}
