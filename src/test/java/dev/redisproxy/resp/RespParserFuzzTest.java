package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.testing.RespFrames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A million RESP frames, generated and mutated, through the parser in random splits. Each stream
 * is a few valid frames (multibulk and inline, binary arguments, sizes around the parser's
 * thresholds) followed by one mutated frame (flipped bits, bytes inserted, deleted, replaced,
 * truncations, length fields swapped for boundary values, line ends broken) and sometimes a valid
 * one after it. For every stream:
 * <ul>
 *   <li>the parser only ever fails with {@link RespProtocolException}, never loops, never throws
 *       anything else;
 *   <li>cut into random pieces it gives exactly what it gives for the whole input (commands and error);
 *   <li>the valid frames before the mutated one come out exactly as generated;
 *   <li>whenever it asks for more input it holds at most one unfinished line of unparsed bytes,
 *       so a connection's memory is bounded whatever a client sends.
 * </ul>
 * The seed is fixed, so a failure names a stream that can be replayed.
 */
class RespParserFuzzTest {

  private static final long SEED = 0x5EED_F0CCL;
  private static final int FRAMES = 1_000_000;
  /** Unparsed bytes the parser may hold while waiting for more: one line, CR included. */
  private static final int MAX_HELD = RespParser.MAX_INLINE_LENGTH + 1;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aMillionGeneratedAndMutatedFramesOnlyEverGiveProtocolErrors() {
    Random random = new Random(SEED);
    long frames = 0;
    long streams = 0;
    long errors = 0;
    long commands = 0;
    while (frames < FRAMES) {
      RespFrames.Stream stream = RespFrames.stream(random);
      frames += stream.frames();
      long index = streams;
      Outcome whole = parse(stream.bytes(), new int[0], index);
      Outcome split = parse(stream.bytes(), chunks(random, stream.bytes().length), index);
      if (!split.equals(whole)) {
        fail(index, stream, "split " + split + " but whole " + whole);
      }
      // Plain checks rather than AssertJ: this loop runs a million times.
      for (int i = 0; i < stream.expected().size(); i++) {
        if (whole.commands.size() <= i || !Arrays.deepEquals(whole.commands.get(i), stream.expected().get(i))) {
          fail(index, stream, "valid frame " + i + " did not come out as generated: " + whole);
        }
      }
      errors += whole.error == null ? 0 : 1;
      commands += whole.commands.size();
      streams++;
    }
    assertThat(frames).isGreaterThanOrEqualTo(FRAMES);
    assertThat(errors).as("streams that ended in a protocol error").isBetween(streams / 10, streams - streams / 10);
    assertThat(commands).as("commands parsed").isGreaterThan(frames / 2);
  }

  private static void fail(long stream, RespFrames.Stream s, String problem) {
    throw new AssertionError("stream " + stream + " of seed " + SEED + ": " + problem + "; input "
        + HexFormat.of().formatHex(s.bytes()));
  }

  /** What the parser made of an input: the commands' arguments, then the protocol error if any. */
  record Outcome(List<byte[][]> commands, String error) {
    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Outcome other) || !java.util.Objects.equals(error, other.error)
          || commands.size() != other.commands.size()) {
        return false;
      }
      for (int i = 0; i < commands.size(); i++) {
        if (!Arrays.deepEquals(commands.get(i), other.commands.get(i))) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return commands.size();
    }

    @Override
    public String toString() {
      return commands.size() + " commands, error " + error;
    }
  }

  /** Feeds the input cut at the offsets, draining commands after each piece and checking what is held. */
  private static Outcome parse(byte[] input, int[] cuts, long stream) {
    List<byte[][]> commands = new ArrayList<>();
    try {
      ParserFeed.feed(new RespParser(), input, cuts, command -> {
        byte[][] args = new byte[command.argc()][];
        for (int a = 0; a < args.length; a++) {
          args[a] = command.arg(a);
        }
        commands.add(args);
      }, parser -> {
        if (parser.buffered() > MAX_HELD) {
          throw new AssertionError("stream " + stream + " of seed " + SEED + ": " + parser.buffered()
              + " unparsed bytes held");
        }
      });
    } catch (RespProtocolException e) {
      return new Outcome(commands, e.getMessage());
    }
    return new Outcome(commands, null);
  }

  /** Cut points: whole, byte by byte, or a handful of random pieces. */
  private static int[] chunks(Random random, int length) {
    if (length < 2) {
      return new int[0];
    }
    int choice = random.nextInt(100);
    if (choice == 0 && length < 2048) {
      int[] every = new int[length - 1];
      for (int i = 0; i < every.length; i++) {
        every[i] = i + 1;
      }
      return every;
    }
    int count = choice < 20 ? 0 : 1 + random.nextInt(Math.min(length - 1, 12));
    return random.ints(count, 1, length).sorted().distinct().toArray();
  }

}
