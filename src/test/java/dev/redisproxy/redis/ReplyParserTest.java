package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.redis.ReplyParser.ErrorReply;
import dev.redisproxy.redis.ReplyParser.Push;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The RESP3 reply parser fed whole inputs, one byte at a time and in random splits: every way of
 * cutting the bytes gives the same frames in the same order. No Redis needed.
 */
class ReplyParserTest {

  private static final long SEED = 20260801L;

  @Test
  void scalarFrames() {
    assertFrames("+OK\r\n-ERR no\r\n:42\r\n:-7\r\n_\r\n#t\r\n#f\r\n,3.14\r\n(12345678901234567890\r\n",
        "+OK", "-ERR no", ":42", ":-7", "nil", "#true", "#false", "+3.14", "+12345678901234567890");
  }

  @Test
  void bulkStringsAreBinaryAndNilBulkIsNull() {
    assertFrames("$5\r\nhello\r\n$0\r\n\r\n$-1\r\n$4\r\na\r\nb\r\n", "$hello", "$", "nil", "$a\r\nb");
    byte[] value = {0, (byte) 0xFF, '\r', '\n', (byte) 0xC3};
    Buffer in = Buffer.buffer("$5\r\n").appendBytes(value).appendString("\r\n");
    for (List<Object> frames : parseAllSplits(in)) {
      assertThat(((Buffer) frames.get(0)).getBytes()).isEqualTo(value);
    }
  }

  @Test
  void verbatimStringsDropTheirFormatAndBulkErrorsAreErrors() {
    assertFrames("=8\r\ntxt:some\r\n!10\r\nSYNTAX bad\r\n", "$some", "-SYNTAX bad");
  }

  @Test
  void aggregatesNestAndMapsComeOutAsKeyValueLists() {
    assertFrames("*3\r\n$1\r\na\r\n*1\r\n:1\r\n_\r\n%2\r\n+proto\r\n:3\r\n+id\r\n:9\r\n~1\r\n+x\r\n*-1\r\n*0\r\n",
        "[$a, [:1], nil]", "[+proto, :3, +id, :9]", "[+x]", "nil", "[]");
  }

  @Test
  void invalidationsArePushFramesBetweenReplies() {
    assertFrames("$2\r\nv1\r\n>2\r\n$10\r\ninvalidate\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n+PONG\r\n",
        "$v1", ">[$invalidate, [$a, $b]]", ">[$invalidate, nil]", "+PONG");
  }

  @Test
  void attributesAreDroppedAndTheFrameAfterThemKept() {
    assertFrames("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n", "[:2]");
  }

  @Test
  void aValueLargerThanManyChunksArrivesWhole() {
    byte[] big = new byte[300_000];
    new Random(SEED).nextBytes(big);
    Buffer in = Buffer.buffer("$" + big.length + "\r\n").appendBytes(big).appendString("\r\n+OK\r\n");
    List<Object> frames = new ArrayList<>();
    ReplyParser parser = new ReplyParser(frames::add);
    for (int from = 0; from < in.length(); from += 1000) {
      parser.handle(in.getBuffer(from, Math.min(in.length(), from + 1000)));
    }
    assertThat(frames).hasSize(2);
    assertThat(((Buffer) frames.get(0)).getBytes()).isEqualTo(big);
    assertThat(frames.get(1)).isEqualTo("OK");
  }

  @Test
  void stopHandsOutNoMoreFrames() {
    List<Object> frames = new ArrayList<>();
    ReplyParser[] parser = new ReplyParser[1];
    parser[0] = new ReplyParser(frame -> {
      frames.add(frame);
      parser[0].stop();
    });
    parser[0].handle(Buffer.buffer("+A\r\n+B\r\n"));
    assertThat(frames).containsExactly("A");
  }

  @Test
  void garbageIsAProtocolError() {
    for (String bad : List.of("?x\r\n", "$abc\r\n", "$3\r\nabcd\r\n", "+a\rb\r\n", "#x\r\n", "*99999999999\r\n")) {
      assertThatThrownBy(() -> new ReplyParser(f -> { }).handle(Buffer.buffer(bad)))
          .as(bad).isInstanceOf(ReplyParser.ProtocolError.class);
    }
  }

  @Test
  void deepNestingIsAProtocolError() {
    assertThatThrownBy(() -> new ReplyParser(f -> { }).handle(Buffer.buffer("*1\r\n".repeat(ReplyParser.MAX_DEPTH + 1) + ":1\r\n")))
        .isInstanceOf(ReplyParser.ProtocolError.class).hasMessageContaining("nested");
  }

  // --- helpers

  private static void assertFrames(String input, String... expected) {
    for (List<Object> frames : parseAllSplits(Buffer.buffer(input))) {
      assertThat(frames.stream().map(ReplyParserTest::describe).toList()).containsExactly(expected);
    }
  }

  /** The frames of the input fed whole, byte by byte, and in 50 random splits. */
  private static List<List<Object>> parseAllSplits(Buffer input) {
    List<List<Object>> outcomes = new ArrayList<>();
    outcomes.add(parse(input, new int[] {input.length()}));
    int[] bytes = new int[input.length()];
    java.util.Arrays.fill(bytes, 1);
    outcomes.add(parse(input, bytes));
    Random random = new Random(SEED);
    for (int i = 0; i < 50; i++) {
      List<Integer> sizes = new ArrayList<>();
      for (int left = input.length(); left > 0; ) {
        int n = 1 + random.nextInt(Math.min(left, 7));
        sizes.add(n);
        left -= n;
      }
      outcomes.add(parse(input, sizes.stream().mapToInt(Integer::intValue).toArray()));
    }
    return outcomes;
  }

  private static List<Object> parse(Buffer input, int[] sizes) {
    List<Object> frames = new ArrayList<>();
    ReplyParser parser = new ReplyParser(frames::add);
    int from = 0;
    for (int size : sizes) {
      // A copy per chunk, as the socket hands out: the parser may keep and grow it.
      parser.handle(Buffer.buffer().appendBuffer(input.getBuffer(from, from + size)));
      from += size;
    }
    return frames;
  }

  private static String describe(Object frame) {
    if (frame == null) {
      return "nil";
    }
    if (frame instanceof Buffer b) {
      return "$" + b.toString(StandardCharsets.UTF_8);
    }
    if (frame instanceof String s) {
      return "+" + s;
    }
    if (frame instanceof Long n) {
      return ":" + n;
    }
    if (frame instanceof Boolean b) {
      return "#" + b;
    }
    if (frame instanceof ErrorReply e) {
      return "-" + e.message();
    }
    if (frame instanceof Push p) {
      return ">" + describe(p.items());
    }
    return ((List<?>) frame).stream().map(ReplyParserTest::describe).collect(Collectors.joining(", ", "[", "]"));
  }
}
