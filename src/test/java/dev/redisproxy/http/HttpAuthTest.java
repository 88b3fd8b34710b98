package dev.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** What password an Authorization header offers. */
class HttpAuthTest {

  @Test
  void bearerTokenIsThePassword() {
    assertThat(offered("Bearer s3cret")).isEqualTo("s3cret");
    assertThat(offered("bearer   s3cret ")).isEqualTo("s3cret");
    assertThat(offered("Bearer ")).isEmpty();
  }

  @Test
  void basicTakesThePasswordWhateverTheUser() {
    assertThat(offered("Basic " + base64("anyone:s3cret"))).isEqualTo("s3cret");
    assertThat(offered("BASIC " + base64(":s3cret"))).isEqualTo("s3cret");
    assertThat(offered("Basic " + base64("user:pass:with:colons"))).isEqualTo("pass:with:colons");
  }

  @Test
  void anythingElseOffersNoPassword() {
    assertThat(HttpAuth.offeredPassword("s3cret")).isNull();
    assertThat(HttpAuth.offeredPassword("Digest username=x")).isNull();
    assertThat(HttpAuth.offeredPassword("Basic !!not-base64!!")).isNull();
    assertThat(HttpAuth.offeredPassword("Basic " + base64("no-colon"))).isNull();
  }

  private static String offered(String header) {
    return new String(HttpAuth.offeredPassword(header), StandardCharsets.UTF_8);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
