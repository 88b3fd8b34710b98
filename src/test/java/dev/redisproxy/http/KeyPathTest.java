package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Key;
import java.nio.charset.StandardCharsets;
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

  /** Vert.x gives the request line one char per octet: raw UTF-8 arrives as its bytes, one char each. */
  @Test
  void rawOctetsOffTheWireAreTheKeysBytes() {
    String wire = new String("/get/ключ-é".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    assertThat(KeyPath.decode(wire, 5)).isEqualTo(Key.of("ключ-é"));
    assertThat(KeyPath.decode("/get/a\u00FF%41", 5)).isEqualTo(Key.wrap(new byte[] {'a', (byte) 0xFF, 'A'}));
    assertThat(KeyPath.decode("/get/ключ%20x", 5)).as("a path given as text").isEqualTo(Key.of("ключ x"));
  }

  @Test
  void emptyKeyAndBadEscapesAreRefused() {
    assertThat(KeyPath.decode("/get/", 5)).isNull();
    assertThat(KeyPath.decode("/get/%", 5)).isNull();
    assertThat(KeyPath.decode("/get/a%2", 5)).isNull();
    assertThat(KeyPath.decode("/get/%zz", 5)).isNull();
    assertThat(KeyPath.decode("/get/%%41", 5)).isNull();
    assertThat(KeyPath.decode("/get/%\uFF26\uFF26", 5)).as("full-width digits are not hex").isNull();
    assertThat(KeyPath.decode("/get/%\u0661\u0662", 5)).as("nor Arabic-Indic ones").isNull();
  }
}
