package dev.redisproxy.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PasswordTest {

  @Test
  void onlyTheExactBytesMatch() {
    Password.Verifier v = Password.of("s3cret pässword").verifier();
    assertThat(v.matches("s3cret pässword".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(v.matches("s3cret pässword ".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(v.matches("s3cret".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(v.matches("S3cret pässword".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(v.matches(new byte[0])).isFalse();
    assertThat(v.matches("s3cret pässword".getBytes(StandardCharsets.ISO_8859_1))).isFalse();
  }

  @Test
  void printingItShowsNothingOfIt() {
    assertThat(Password.of("hunter2")).hasToString("(secret)");
  }
}
