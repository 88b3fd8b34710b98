package dev.redisproxy.cache;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The hot keys of the last window, answered on {@link HotKeys#ADDRESS}. Immutable; the key names
 * are already printable text, and values are never part of it.
 *
 * @param windowSeconds    how far back the report reaches, at most
 * @param byReads          keys by reads, most first
 * @param byMisses         keys by misses, most first
 * @param readsPerSecond   lookups in each of the last {@link HotKeys#HISTORY_SECONDS} whole seconds, oldest first
 * @param missesPerSecond  misses in the same seconds
 * @param latency          lookups as the front ends saw them, over the window
 */
public record HotKeysSnapshot(int windowSeconds, List<Row> byReads, List<Row> byMisses,
    long[] readsPerSecond, long[] missesPerSecond, Latency latency) {

  /**
   * Lookup latency over the window (see {@link LookupLatency}); the quantiles are null without lookups.
   *
   * @param lookups lookups measured
   * @param p50Ms   median, in milliseconds
   * @param p99Ms   99th percentile, in milliseconds
   */
  public record Latency(long lookups, Double p50Ms, Double p99Ms) {
  }

  /**
   * One key. {@code reads} may overstate the true count by up to {@code error} (Space-Saving's
   * bound; 0 means exact); {@code misses} may understate it; {@code hits} is the difference.
   */
  public record Row(String key, long reads, long hits, long misses, long error) {
  }

  /** Before the first report, or with none to be had. */
  public static final HotKeysSnapshot EMPTY = new HotKeysSnapshot(HotKeys.SLOTS * HotKeys.SLOT_SECONDS,
      List.of(), List.of(), new long[0], new long[0], new Latency(0, null, null));

  /**
   * The key as {@code redis-cli} prints it, minus the quotes: valid UTF-8 as it is, a backslash
   * doubled, control characters as {@code \n}, {@code \r}, {@code \t}, {@code \a}, {@code \b} or
   * {@code \xHH}, and every byte that is not part of valid UTF-8 as {@code \xHH}.
   */
  public static String printable(Key key) {
    byte[] bytes = key.toBytes();
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer chars = CharBuffer.allocate(bytes.length);
    StringBuilder out = new StringBuilder(bytes.length);
    while (in.hasRemaining()) {
      CoderResult result = decoder.decode(in, chars, true);
      appendEscaped(out, chars.flip());
      chars.clear();
      if (result.isError()) {
        for (int i = 0; i < result.length(); i++) {
          hex(out, in.get());
        }
      }
    }
    return out.toString();
  }

  private static void appendEscaped(StringBuilder out, CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case 7 -> out.append("\\a");
        case '\b' -> out.append("\\b");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            hex(out, (byte) c);
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  private static void hex(StringBuilder out, byte b) {
    out.append("\\x").append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
  }
}
