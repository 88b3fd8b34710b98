package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The glob matcher, one feature of Redis's KEYS syntax at a time; GlobPatternRedisIT compares it with Redis itself. */
class GlobPatternTest {

  @Test
  void literalMatchesExactlyItself() {
    assertMatches("user:1", "user:1");
    assertNoMatch("user:1", "user:", "user:12", "User:1", "");
  }

  @Test
  void starMatchesAnyRunIncludingNone() {
    assertMatches("*", "", "a", "any:thing at all");
    assertMatches("user:*", "user:", "user:1", "user:1:profile");
    assertNoMatch("user:*", "use", "users:1", "xuser:1");
    assertMatches("*:profile", ":profile", "user:1:profile");
    assertMatches("a*b*c", "abc", "aXbYc", "abbbc", "acbc", "abcbc");
    assertNoMatch("a*b*c", "acb", "ab", "abcd");
    assertMatches("a**b", "ab", "axxb");
  }

  @Test
  void questionMarkIsExactlyOneByte() {
    assertMatches("h?llo", "hello", "hallo", "h?llo");
    assertNoMatch("h?llo", "hllo", "heello");
    assertMatches("??", "ab");
    assertNoMatch("??", "a", "abc");
  }

  @Test
  void setsNegatedSetsAndRanges() {
    assertMatches("h[ae]llo", "hello", "hallo");
    assertNoMatch("h[ae]llo", "hillo", "hllo", "haello");
    assertMatches("h[^e]llo", "hallo", "hbllo");
    assertNoMatch("h[^e]llo", "hello", "hllo");
    assertMatches("h[a-b]llo", "hallo", "hbllo");
    assertNoMatch("h[a-b]llo", "hcllo", "hello");
    assertMatches("h[b-a]llo", "hallo", "hbllo");
    assertMatches("k[0-9a-f]", "k0", "k9", "kc");
    assertNoMatch("k[0-9a-f]", "kg", "k-");
    assertMatches("[^a-c]", "d", "-");
    assertNoMatch("[^a-c]", "a", "b", "c");
  }

  @Test
  void emptySetMatchesNothingAndItsNegationAnyByte() {
    assertNoMatch("x[]", "x", "xa", "x]");
    assertMatches("x[^]", "xa", "x]");
    assertNoMatch("x[^]", "x", "xab");
  }

  @Test
  void backslashEscapesInsideAndOutsideSets() {
    assertMatches("a\\*", "a*");
    assertNoMatch("a\\*", "ab", "a");
    assertMatches("a\\?b", "a?b");
    assertNoMatch("a\\?b", "axb");
    assertMatches("\\[x\\]", "[x]");
    assertMatches("[\\]]", "]");
    assertMatches("[\\^a]", "^", "a");
    assertNoMatch("[\\^a]", "b");
    assertMatches("\\\\", "\\");
    assertMatches("a\\bc", "abc");
  }

  @Test
  void keysAreBytesNotText() {
    GlobPattern any = GlobPattern.compile("??");
    assertThat(any.matches(new byte[] {(byte) 0xff, 0})).isTrue();
    assertThat(any.matches(new byte[] {(byte) 0xff})).isFalse();
    assertThat(GlobPattern.compile("a*").matches(new byte[] {'a', '\r', '\n', 0, (byte) 0x80})).isTrue();
    // A non-ASCII pattern character is its UTF-8 bytes: "é" is two of them.
    assertThat(GlobPattern.compile("é").matches("é".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(GlobPattern.compile("?").matches("é".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(GlobPattern.compile("[\u0080-\u00ff]*").toString()).isEqualTo("[\u0080-\u00ff]*");
  }

  @Test
  void manyStarsAgainstALongKeyStayFast() {
    byte[] key = new byte[10_000];
    Arrays.fill(key, (byte) 'a');
    // Exponential in a naive recursive matcher; at most key × pattern steps here.
    assertThat(GlobPattern.compile("a*a*a*a*a*a*a*a*a*a*b").matches(key)).isFalse();
    key[key.length - 1] = 'b';
    assertThat(GlobPattern.compile("a*a*a*a*a*a*a*a*a*a*b").matches(key)).isTrue();
  }

  @Test
  void malformedPatternsAreRefusedWithAReason() {
    assertThatThrownBy(() -> GlobPattern.compile("user:[abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'user:[abc'").hasMessageContaining("[");
    assertThatThrownBy(() -> GlobPattern.compile("[a-]"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without its ]");
    assertThatThrownBy(() -> GlobPattern.compile("user:\\"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lone \\");
  }

  private static void assertMatches(String pattern, String... keys) {
    GlobPattern p = GlobPattern.compile(pattern);
    for (String key : keys) {
      assertThat(p.matches(key.getBytes(StandardCharsets.UTF_8))).as("'%s' matches '%s'", pattern, key).isTrue();
    }
  }

  private static void assertNoMatch(String pattern, String... keys) {
    GlobPattern p = GlobPattern.compile(pattern);
    for (String key : keys) {
      assertThat(p.matches(key.getBytes(StandardCharsets.UTF_8))).as("'%s' does not match '%s'", pattern, key).isFalse();
    }
  }
}
