package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser fed whole inputs, one byte at a time, and in random splits: every way of cutting
 * the bytes must give the same commands and the same error.
 */
class RespParserTest {

  private static final long SEED = 20240611L;

  /** What a whole input parses to: the commands, then the protocol error if there was one. */
  record Outcome(List<List<String>> commands, String error) {
  }

  // --- frames fed whole, byte by byte and in random splits

  @Test
  void multibulkCommand() {
    assertAllSplits("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", List.of(List.of("GET", "key")), null);
  }

  @Test
  void inlineCommand() {
    assertAllSplits("GET key\r\n", List.of(List.of("GET", "key")), null);
  }

  @Test
  void inlineWithBareLineFeedAndExtraSpaces() {
    assertAllSplits("  MGET  a \t b\n", List.of(List.of("MGET", "a", "b")), null);
  }

  @Test
  void inlineQuotesAndEscapes() {
    assertAllSplits("PING \"a\\x41\\n\\\"b\" 'c\\'d' x\"y z\"\r\n",
        List.of(List.of("PING", "aA\n\"b", "c'd", "xy z")), null);
  }

  @Test
  void emptyBulkAndEmptyInlineArgument() {
    assertAllSplits("*2\r\n$4\r\nECHO\r\n$0\r\n\r\nECHO \"\"\r\n",
        List.of(List.of("ECHO", ""), List.of("ECHO", "")), null);
  }

  @Test
  void binaryBulkWithCrLfAndNul() {
    byte[] value = {'a', '\r', '\n', 0, (byte) 0xff, '$', '*', '\r'};
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(ascii("*2\r\n$4\r\nECHO\r\n$8\r\n"));
    in.writeBytes(value);
    in.writeBytes(ascii("\r\n"));
    for (int[] splits : splitsFor(in.size())) {
      List<RespCommand> commands = parse(in.toByteArray(), splits);
      assertThat(commands).hasSize(1);
      assertThat(commands.get(0).arg(1)).isEqualTo(value);
    }
  }

  @Test
  void pipelinedCommandsComeOutInOrder() {
    assertAllSplits("*1\r\n$4\r\nPING\r\nGET a\r\n*3\r\n$4\r\nMGET\r\n$1\r\nb\r\n$1\r\nc\r\nQUIT\r\n",
        List.of(List.of("PING"), List.of("GET", "a"), List.of("MGET", "b", "c"), List.of("QUIT")), null);
  }

  @Test
  void emptyRequestsAreSkippedAsRedisDoes() {
    assertAllSplits("*0\r\n*-1\r\n\r\n   \r\n\nPING\r\n", List.of(List.of("PING")), null);
  }

  @Test
  void incompleteInputYieldsNothingYet() {
    RespParser parser = new RespParser();
    parser.feed(Buffer.buffer("*2\r\n$3\r\nGET\r\n$3\r\nke"));
    assertThat(parser.next()).isNull();
    parser.feed(Buffer.buffer("y\r"));
    assertThat(parser.next()).isNull();
    parser.feed(Buffer.buffer("\n"));
    assertThat(parser.next().text(1)).isEqualTo("key");
    assertThat(parser.next()).isNull();
  }

  /** What the RESP front end's stall check asks: has a command begun and not ended? */
  @Test
  void inCommandWhileAPartOfACommandIsHeld() {
    RespParser parser = new RespParser();
    assertThat(parser.inCommand()).isFalse();
    for (String part : List.of("*2\r\n", "$3\r\nGET\r\n", "$1\r\nk", "\r")) {
      parser.feed(Buffer.buffer(part));
      assertThat(parser.next()).isNull();
      assertThat(parser.inCommand()).as("after %s", part.replace("\r\n", "\\r\\n")).isTrue();
    }
    parser.feed(Buffer.buffer("\nGE"));
    assertThat(parser.next().text(1)).isEqualTo("k");
    assertThat(parser.next()).isNull();
    assertThat(parser.inCommand()).as("an inline command begun").isTrue();
    parser.feed(Buffer.buffer("T x\r\n"));
    assertThat(parser.next().text(1)).isEqualTo("x");
    assertThat(parser.inCommand()).isFalse();
  }

  @Test
  void largeBulkSplitAcrossManyReads() {
    byte[] value = new byte[300_000];
    new Random(SEED).nextBytes(value);
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(ascii("*2\r\n$4\r\nECHO\r\n$300000\r\n"));
    in.writeBytes(value);
    in.writeBytes(ascii("\r\n"));
    List<RespCommand> commands = parse(in.toByteArray(), randomSplits(in.size(), new Random(SEED), 1000));
    assertThat(commands).hasSize(1);
    assertThat(commands.get(0).arg(1)).isEqualTo(value);
  }

  // --- malformed input: Redis's wording, whatever the split

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "*x\\r\\n|invalid multibulk length",
      "*01\\r\\n$1\\r\\nX\\r\\n|invalid multibulk length",
      "*+1\\r\\n$1\\r\\nX\\r\\n|invalid multibulk length",
      "*1\\n$1\\r\\nX\\r\\n|invalid multibulk length",
      "*1048577\\r\\n|invalid multibulk length",
      "*2\\r\\n+foo\\r\\n|expected '$', got '+'",
      "*1\\r\\n$-1\\r\\n|invalid bulk length",
      "*1\\r\\n$abc\\r\\n|invalid bulk length",
      "*1\\r\\n$01\\r\\nX\\r\\n|invalid bulk length",
      "*1\\r\\n$1048577\\r\\n|invalid bulk length",
      "*1\\r\\n$4\\r\\nPINGxx|expected CRLF after bulk string",
      "\"ping\\r\\n|unbalanced quotes in request",
      "\"ping\"x\\r\\n|unbalanced quotes in request",
      "'ping\\r\\n|unbalanced quotes in request",
  })
  void malformedInput(String input, String problem) {
    String bytes = input.replace("\\r", "\r").replace("\\n", "\n");
    assertAllSplits(bytes, List.of(), "Protocol error: " + problem);
  }

  @Test
  void commandsBeforeAnErrorAreStillReturned() {
    assertAllSplits("PING\r\n*1\r\n$x\r\nPING\r\n", List.of(List.of("PING")), "Protocol error: invalid bulk length");
  }

  @Test
  void nonPrintableByteIsEscapedInTheError() {
    Outcome outcome = parseWhole(new byte[] {'*', '1', '\r', '\n', 1});
    assertThat(outcome.error()).isEqualTo("Protocol error: expected '$', got '\\x01'");
  }

  // --- limits

  @Test
  void inlineLineAtTheLimitIsAcceptedAndOneByteMoreIsNot() {
    String atLimit = "x".repeat(RespParser.MAX_INLINE_LENGTH);
    Outcome ok = parseWhole(ascii(atLimit + "\r\n"));
    assertThat(ok.error()).isNull();
    assertThat(ok.commands()).hasSize(1);
    assertThat(parseWhole(ascii(atLimit + "x\r\n")).error()).isEqualTo("Protocol error: too big inline request");
  }

  @Test
  void tooLongLineFailsBeforeItsEndArrives() {
    RespParser parser = new RespParser();
    parser.feed(Buffer.buffer("y".repeat(RespParser.MAX_INLINE_LENGTH)));
    assertThat(parser.next()).isNull();
    parser.feed(Buffer.buffer("\r"));
    assertThat(parser.next()).isNull();
    parser.feed(Buffer.buffer("y"));
    assertThatThrownBy(parser::next).isInstanceOf(RespProtocolException.class)
        .hasMessage("Protocol error: too big inline request");
  }

  @Test
  void tooLongHeaderLines() {
    String digits = "1".repeat(RespParser.MAX_INLINE_LENGTH + 1);
    assertThat(parseWhole(ascii("*" + digits)).error()).isEqualTo("Protocol error: too big mbulk count string");
    assertThat(parseWhole(ascii("*1\r\n$" + digits)).error()).isEqualTo("Protocol error: too big bulk count string");
  }

  @Test
  void bulkAtTheLimitIsAccepted() {
    int n = RespParser.MAX_BULK_LENGTH;
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(ascii("*2\r\n$4\r\nECHO\r\n$" + n + "\r\n"));
    in.writeBytes(new byte[n]);
    in.writeBytes(ascii("\r\n"));
    List<RespCommand> commands = parse(in.toByteArray(), randomSplits(in.size(), new Random(SEED), 50));
    assertThat(commands.get(0).arg(1)).hasSize(n);
  }

  @Test
  void requestLargerThanTheLimitIsRefused() {
    int args = RespParser.MAX_REQUEST_BYTES / RespParser.MAX_BULK_LENGTH + 1;
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(ascii("*" + args + "\r\n"));
    for (int i = 0; i < args; i++) {
      in.writeBytes(ascii("$" + RespParser.MAX_BULK_LENGTH + "\r\n"));
      in.writeBytes(new byte[RespParser.MAX_BULK_LENGTH]);
      in.writeBytes(ascii("\r\n"));
    }
    assertThat(parseWhole(in.toByteArray()).error()).isEqualTo("Protocol error: too big multibulk request");
  }

  @Test
  void manySmallArgumentsUpToTheMultibulkLimit() {
    int n = 100_000;
    StringBuilder in = new StringBuilder("*" + n + "\r\n");
    for (int i = 0; i < n; i++) {
      in.append("$1\r\nk\r\n");
    }
    Outcome outcome = parseWhole(ascii(in.toString()));
    assertThat(outcome.error()).isNull();
    assertThat(outcome.commands().get(0)).hasSize(n);
  }

  // --- randomized: any bytes, any split, only protocol errors, and the same outcome every way

  @Test
  void randomInputsNeverThrowAnythingButProtocolErrorsAndDoNotDependOnSplits() {
    Random random = new Random(SEED);
    for (int round = 0; round < 3000; round++) {
      byte[] input = randomInput(random);
      Outcome whole = parseWhole(input);
      Outcome split = outcome(input, randomSplits(input.length, random, 1 + random.nextInt(8)));
      assertThat(split).as("round %d, input %s", round, Arrays.toString(input)).isEqualTo(whole);
      if (round % 10 == 0) {
        assertThat(outcome(input, everyByte(input.length))).as("round %d byte by byte", round).isEqualTo(whole);
      }
    }
  }

  @Test
  void generatedValidCommandsParseBackExactly() {
    Random random = new Random(SEED + 1);
    for (int round = 0; round < 500; round++) {
      List<List<String>> expected = new ArrayList<>();
      ByteArrayOutputStream in = new ByteArrayOutputStream();
      for (int c = 0, n = 1 + random.nextInt(5); c < n; c++) {
        List<String> args = new ArrayList<>();
        int argc = 1 + random.nextInt(4);
        in.writeBytes(ascii("*" + argc + "\r\n"));
        for (int a = 0; a < argc; a++) {
          String arg = randomArg(random);
          args.add(arg);
          byte[] bytes = arg.getBytes(StandardCharsets.ISO_8859_1);
          in.writeBytes(ascii("$" + bytes.length + "\r\n"));
          in.writeBytes(bytes);
          in.writeBytes(ascii("\r\n"));
        }
        expected.add(args);
      }
      byte[] bytes = in.toByteArray();
      assertThat(outcome(bytes, randomSplits(bytes.length, random, 1 + random.nextInt(6))))
          .isEqualTo(new Outcome(expected, null));
    }
  }

  // --- helpers

  private static void assertAllSplits(String input, List<List<String>> commands, String error) {
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    for (int[] splits : splitsFor(bytes.length)) {
      assertThat(outcome(bytes, splits)).as("splits %s", Arrays.toString(splits))
          .isEqualTo(new Outcome(commands, error));
    }
  }

  /** Whole, byte by byte, and 20 random splits. */
  private static List<int[]> splitsFor(int length) {
    List<int[]> all = new ArrayList<>();
    all.add(new int[0]);
    all.add(everyByte(length));
    Random random = new Random(SEED);
    for (int i = 0; i < 20; i++) {
      all.add(randomSplits(length, random, 1 + random.nextInt(5)));
    }
    return all;
  }

  private static int[] everyByte(int length) {
    int[] cuts = new int[Math.max(0, length - 1)];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i + 1;
    }
    return cuts;
  }

  private static int[] randomSplits(int length, Random random, int count) {
    if (length < 2) {
      return new int[0];
    }
    return random.ints(count, 1, length).sorted().distinct().toArray();
  }

  private static Outcome parseWhole(byte[] input) {
    return outcome(input, new int[0]);
  }

  /** Feeds the input cut at the given offsets, taking commands after each piece. */
  private static Outcome outcome(byte[] input, int[] cuts) {
    List<List<String>> commands = new ArrayList<>();
    try {
      ParserFeed.feed(input, cuts, command -> commands.add(texts(command)));
    } catch (RespProtocolException e) {
      return new Outcome(commands, e.getMessage());
    }
    return new Outcome(commands, null);
  }

  private static List<RespCommand> parse(byte[] input, int[] cuts) {
    List<RespCommand> commands = new ArrayList<>();
    ParserFeed.feed(input, cuts, commands::add);
    return commands;
  }

  private static List<String> texts(RespCommand command) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < command.argc(); i++) {
      out.add(new String(command.arg(i), StandardCharsets.ISO_8859_1));
    }
    return out;
  }

  /** Fragments of valid and invalid RESP glued together, with random bytes mixed in. */
  private static byte[] randomInput(Random random) {
    String[] pieces = {"*", "$", "\r\n", "\r", "\n", "1", "2", "3", "0", "-1", "-", "+", "\"", "'", "\\",
        "\\x4", "GET", " ", "*2\r\n", "$3\r\n", "key", "*1\r\n$4\r\nPING\r\n", "PING\r\n", "x", "\t", "\0"};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0, n = random.nextInt(40); i < n; i++) {
      if (random.nextInt(6) == 0) {
        out.write(random.nextInt(256));
      } else {
        out.writeBytes(pieces[random.nextInt(pieces.length)].getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    return out.toByteArray();
  }

  private static String randomArg(Random random) {
    char[] chars = new char[random.nextInt(12)];
    for (int i = 0; i < chars.length; i++) {
      chars[i] = (char) random.nextInt(256);
    }
    return new String(chars);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
