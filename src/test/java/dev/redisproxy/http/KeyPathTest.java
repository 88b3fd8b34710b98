package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Key;
import org.junit.jupiter.api.Test;

class KeyPathTest {

  @Test
  void decodesAsTheDesignSays() {
    assertThat(KeyPath.decode("/get/plain", 5)).isEqualTo(Key.of("plain"));
    assertThat(KeyPath.decode("/get/a/b", 5)).isEqualTo(Key.of("a/b"));
    assertThat(KeyPath.decode("/get/hello%20world", 5)).isEqualTo(Key.of("hello world"));
    assertThat(KeyPath.decode("/get/caf%C3%A9", 5)).isEqualTo(Key.of("café"));
    assertThat(KeyPath.decode("/get/a+b", 5)).as("+ is literal in a path").isEqualTo(Key.of("a+b"));
    assertThat(KeyPath.decode("/get/%ff%00", 5)).isEqualTo(Key.wrap(new byte[] {(byte) 0xFF, 0}));
    assertThat(KeyPath.decode("/get/%25", 5)).isEqualTo(Key.of("%"));
  }

  @Test
  void emptyKeyAndBadEscapesAreRefused() {
    assertThat(KeyPath.decode("/get/", 5)).isNull();
    assertThat(KeyPath.decode("/get/%", 5)).isNull();
    assertThat(KeyPath.decode("/get/a%2", 5)).isNull();
    assertThat(KeyPath.decode("/get/%zz", 5)).isNull();
    assertThat(KeyPath.decode("/get/%%41", 5)).isNull();
  }
}
