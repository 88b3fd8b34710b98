package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.function.Consumer;

/** Feeds a {@link RespParser} its input in pieces, as a socket may deliver it, for the parser's tests. */
final class ParserFeed {

  private ParserFeed() {
  }

  /**
   * Feeds {@code input} cut at {@code cuts} (ascending offsets inside it), and after each piece
   * hands every command the parser completes to {@code command}, then the parser to
   * {@code afterPiece}. A protocol error ends the feed as it ends a connection: it propagates.
   */
  static void feed(RespParser parser, byte[] input, int[] cuts, Consumer<RespCommand> command,
      Consumer<RespParser> afterPiece) {
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : input.length;
      parser.feed(Buffer.buffer(Arrays.copyOfRange(input, from, to)));
      from = to;
      for (RespCommand next = parser.next(); next != null; next = parser.next()) {
        command.accept(next);
      }
      afterPiece.accept(parser);
    }
  }

  static void feed(byte[] input, int[] cuts, Consumer<RespCommand> command) {
    feed(new RespParser(), input, cuts, command, parser -> { });
  }
}
