package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The size syntax of {@link Sizes}, as Redis's {@code maxmemory} takes it (1024-based). */
class ConfigSizesTest {

  @Test
  void acceptsEveryDocumentedForm() {
    assertThat(Sizes.parse("100b")).isEqualTo(100);
    assertThat(Sizes.parse("512kb")).isEqualTo(512 * 1024);
    assertThat(Sizes.parse("64mb")).isEqualTo(64L * 1024 * 1024);
    assertThat(Sizes.parse("1gb")).isEqualTo(1024L * 1024 * 1024);
    assertThat(Sizes.parse("1GB")).isEqualTo(1024L * 1024 * 1024);
    assertThat(Sizes.parse("12345")).isEqualTo(12345);
    assertThat(Sizes.parse(" 0 ")).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "-1", "1tb", "1k", "1m", "1g", "1.5gb", "64 mb", "mb", "0x10", "1234567890123456"})
  void refusesAnythingElse(String text) {
    assertThatThrownBy(() -> Sizes.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'" + text + "' is not a size");
  }

  @Test
  void refusesWhatDoesNotFitInALong() {
    assertThatThrownBy(() -> Sizes.parse("999999999999999gb")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'999999999999999gb' is too large");
  }

  @Test
  void formatReadsBack() {
    for (String s : new String[] {"100b", "512kb", "64mb", "1gb", "0b", "1025b", "1536kb", "3gb"}) {
      assertThat(Sizes.format(Sizes.parse(s))).isEqualTo(s);
    }
    assertThat(Sizes.format(1L << 40)).isEqualTo("1024gb");
  }
}
