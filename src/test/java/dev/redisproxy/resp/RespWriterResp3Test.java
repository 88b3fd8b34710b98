package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The types that differ between the protocols, in each; the RESP2 batch bytes are RespWriterTest's. */
class RespWriterResp3Test {

  @Test
  void resp3TypesAsRedisSendsThem() {
    RespWriter w = RespWriter.reply(Protocol.RESP3);
    w.nil().mapHeader(2).setHeader(3).verbatim("# Server\r\na:1\r\n").arrayHeader(1).integer(-12).integer(7);
    assertThat(text(w)).isEqualTo("_\r\n%2\r\n~3\r\n=19\r\ntxt:# Server\r\na:1\r\n\r\n*1\r\n:-12\r\n:7\r\n");
  }

  @Test
  void theSameCallsInResp2() {
    RespWriter w = RespWriter.reply(Protocol.RESP2);
    w.nil().mapHeader(2).setHeader(3).verbatim("# Server\r\na:1\r\n").arrayHeader(1).integer(-12).integer(7);
    assertThat(text(w)).isEqualTo("$-1\r\n*4\r\n*3\r\n$15\r\n# Server\r\na:1\r\n\r\n*1\r\n:-12\r\n:7\r\n");
  }

  @Test
  void emptyVerbatimStringStillCarriesItsFormat() {
    assertThat(text(RespWriter.reply(Protocol.RESP3).verbatim(""))).isEqualTo("=4\r\ntxt:\r\n");
    assertThat(text(RespWriter.reply(Protocol.RESP2).verbatim(""))).isEqualTo("$0\r\n\r\n");
  }

  @Test
  void verbatimLengthCountsBytesNotCharacters() {
    assertThat(text(RespWriter.reply(Protocol.RESP3).verbatim("é"))).isEqualTo("=6\r\ntxt:é\r\n");
  }

  @Test
  void protocolCanChangeBetweenRepliesOfOneBatch() {
    RespWriter w = new RespWriter();
    w.nil().protocol(Protocol.RESP3).nil().bulk(Buffer.buffer("v")).protocol(Protocol.RESP2).nil();
    assertThat(text(w)).isEqualTo("$-1\r\n_\r\n$1\r\nv\r\n$-1\r\n");
  }

  @Test
  void linesCannotBeEndedEarly() {
    RespWriter w = RespWriter.reply(Protocol.RESP3).simple("a\r\nb").error("ERR x\ny");
    assertThat(text(w)).isEqualTo("+a  b\r\n-ERR x y\r\n");
  }

  @Test
  void largeValuesAreLinkedInResp3Too() {
    byte[] big = new byte[RespWriter.COPY_LIMIT + 1];
    Arrays.fill(big, (byte) 'x');
    RespWriter w = RespWriter.reply(Protocol.RESP3).arrayHeader(2).bulk(Buffer.buffer(big)).nil();
    String expected = "*2\r\n$" + big.length + "\r\n" + "x".repeat(big.length) + "\r\n_\r\n";
    assertThat(w.size()).isEqualTo(expected.length());
    assertThat(text(w)).isEqualTo(expected);
  }

  private static String text(RespWriter w) {
    return w.take().toString(StandardCharsets.UTF_8);
  }
}
