package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyPatternsTest {

  @ParameterizedTest(name = "{0} allows \"{1}\": {2}")
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "user:*, session:?? ,config|user:1|true",
      "user:*, session:?? ,config|session:ab|true",
      "user:*, session:?? ,config|config|true",
      "user:*, session:?? ,config|session:abc|false",
      "user:*, session:?? ,config| config|false",
      "user:*, session:?? ,config|secret|false",
      // an escaped comma belongs to the pattern
      "a\\,b,c[\\,;]d|a,b|true",
      "a\\,b,c[\\,;]d|c,d|true",
      "a\\,b,c[\\,;]d|c;d|true",
      "a\\,b,c[\\,;]d|a|false",
      "a\\,b,c[\\,;]d|b|false"})
  void aKeyIsAllowedWhenAnyPatternMatches(String patterns, String key, boolean allowed) {
    assertThat(KeyPatterns.parse(patterns).allows(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(allowed);
  }

  @Test
  void patternsAreTrimmedAroundTheirCommas() {
    assertThat(KeyPatterns.parse("user:*, session:?? ,config")).hasToString("user:*,session:??,config");
  }

  @Test
  void emptyOrMalformedPatternsAreRefused() {
    assertThatThrownBy(() -> KeyPatterns.parse("a,,b")).hasMessageContaining("empty pattern");
    assertThatThrownBy(() -> KeyPatterns.parse("a,")).hasMessageContaining("empty pattern");
    assertThatThrownBy(() -> KeyPatterns.parse("a,[b")).hasMessageContaining("'[b'");
  }
}
