package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RespWriterTest {

  @Test
  void batchesRepliesIntoOneBufferInOrder() {
    RespWriter w = new RespWriter();
    w.raw(RespEncoder.PONG);
    w.bulk(Buffer.buffer("v"));
    w.nil();
    w.arrayHeader(2);
    w.bulk(Buffer.buffer(""));
    w.bulk(Buffer.buffer("a\r\nb"));
    String expected = "+PONG\r\n$1\r\nv\r\n$-1\r\n*2\r\n$0\r\n\r\n$4\r\na\r\nb\r\n";
    assertThat(w.size()).isEqualTo(expected.length());
    assertThat(w.take().toString(StandardCharsets.ISO_8859_1)).isEqualTo(expected);
    assertThat(w.isEmpty()).isTrue();
    assertThat(w.take()).isNull();
  }

  @Test
  void largeValuesAreLinkedNotCopiedAndKeepTheirPlace() {
    byte[] big = new byte[RespWriter.COPY_LIMIT + 1];
    Arrays.fill(big, (byte) 'x');
    Buffer value = Buffer.buffer(big);
    RespWriter w = new RespWriter();
    w.bulk(Buffer.buffer("a"));
    w.bulk(value);
    w.raw(RespEncoder.OK);
    w.bulk(value);

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(ascii("$1\r\na\r\n$" + big.length + "\r\n"));
    expected.writeBytes(big);
    expected.writeBytes(ascii("\r\n+OK\r\n$" + big.length + "\r\n"));
    expected.writeBytes(big);
    expected.writeBytes(ascii("\r\n"));
    assertThat(w.size()).isEqualTo(expected.size());
    Buffer out = w.take();
    assertThat(out.getBytes()).isEqualTo(expected.toByteArray());

    // The value is linked: a change to the cached bytes would show in the batch (it never happens).
    value.setByte(0, (byte) 'y');
    assertThat(out.getByte(expected.size() - big.length - 2)).isEqualTo((byte) 'y');
  }

  @Test
  void numbers() {
    RespWriter w = new RespWriter();
    for (int n : new int[] {0, 7, 9, 10, 99, 100, 12345, Integer.MAX_VALUE}) {
      w.arrayHeader(n);
    }
    String expected = "*0\r\n*7\r\n*9\r\n*10\r\n*99\r\n*100\r\n*12345\r\n*2147483647\r\n";
    assertThat(w.size()).isEqualTo(expected.length());
    assertThat(w.take().toString(StandardCharsets.US_ASCII)).isEqualTo(expected);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
