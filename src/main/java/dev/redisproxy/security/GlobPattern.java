package dev.redisproxy.security;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One glob pattern in Redis's {@code KEYS} syntax, matched against keys as bytes:
 * {@code *} any run of bytes, {@code ?} one byte, {@code [abc]} one of a set, {@code [^a]} one
 * byte not in it, {@code [a-z]} a range (reversed ranges are turned around, as Redis does), and
 * {@code \x} the byte x itself, inside or outside a set. Matching is case-sensitive and compares
 * bytes unsigned.
 *
 * <p>Design: the pattern is compiled once into tokens that each consume exactly one byte, except
 * {@code *}; so the classic matcher that remembers only the last star and backtracks to it is
 * exact, needs no recursion and takes O(key × pattern) at worst. Stricter than Redis in one way:
 * an unclosed {@code [} or a pattern ending in a lone {@code \} is refused at start-up instead of
 * being read loosely.
 */
public final class GlobPattern {

  private static final int STAR = -1;
  private static final int ANY = -2;
  /** Token values at or below this name a set: {@code SET_BASE - i} is {@code sets[i]}. Literal bytes are 0..255. */
  private static final int SET_BASE = -3;

  private final String source;
  private final int[] tokens;
  // 256-bit membership per set, negation already applied.
  private final long[][] sets;

  private GlobPattern(String source, int[] tokens, long[][] sets) {
    this.source = source;
    this.tokens = tokens;
    this.sets = sets;
  }

  /** Compiles the pattern (taken as UTF-8); throws {@link IllegalArgumentException} saying what is wrong. */
  public static GlobPattern compile(String pattern) {
    byte[] p = pattern.getBytes(StandardCharsets.UTF_8);
    int[] tokens = new int[p.length];
    long[][] sets = new long[p.length][];
    int n = 0;
    int setCount = 0;
    for (int i = 0; i < p.length; i++) {
      int c = p[i] & 0xff;
      switch (c) {
        case '*' -> {
          if (n == 0 || tokens[n - 1] != STAR) {
            tokens[n++] = STAR;
          }
        }
        case '?' -> tokens[n++] = ANY;
        case '[' -> {
          long[] set = new long[4];
          i = parseSet(p, i + 1, set, pattern);
          sets[setCount] = set;
          tokens[n++] = SET_BASE - setCount++;
        }
        case '\\' -> {
          if (i + 1 >= p.length) {
            throw new IllegalArgumentException("'" + pattern + "' ends with a lone \\ (write \\\\ for a backslash)");
          }
          tokens[n++] = p[++i] & 0xff;
        }
        default -> tokens[n++] = c;
      }
    }
    return new GlobPattern(pattern, Arrays.copyOf(tokens, n), Arrays.copyOf(sets, setCount));
  }

  /**
   * Reads a set from just after its {@code [}, as Redis's {@code stringmatchlen} does, into
   * {@code set}; returns the index of the closing {@code ]}.
   */
  private static int parseSet(byte[] p, int i, long[] set, String pattern) {
    boolean negated = i < p.length && p[i] == '^';
    if (negated) {
      i++;
    }
    while (true) {
      if (i >= p.length) {
        throw new IllegalArgumentException("'" + pattern + "' has a [ without its ] (write \\[ for a bracket)");
      }
      int c = p[i] & 0xff;
      if (c == '\\' && i + 1 < p.length) {
        int escaped = p[++i] & 0xff;
        add(set, escaped, escaped);
      } else if (c == ']') {
        break;
      } else if (i + 2 < p.length && p[i + 1] == '-') {
        int end = p[i + 2] & 0xff;
        add(set, Math.min(c, end), Math.max(c, end));
        i += 2;
      } else {
        add(set, c, c);
      }
      i++;
    }
    if (negated) {
      for (int w = 0; w < set.length; w++) {
        set[w] = ~set[w];
      }
    }
    return i;
  }

  private static void add(long[] set, int from, int to) {
    for (int b = from; b <= to; b++) {
      set[b >>> 6] |= 1L << b;
    }
  }

  /** True if the whole key matches the pattern. */
  public boolean matches(byte[] key) {
    int t = 0;
    int k = 0;
    int starToken = -1;
    int starKey = 0;
    while (k < key.length) {
      if (t < tokens.length && tokens[t] == STAR) {
        starToken = t++;
        starKey = k;
      } else if (t < tokens.length && matchesOne(tokens[t], key[k] & 0xff)) {
        t++;
        k++;
      } else if (starToken >= 0) {
        // Let the last star swallow one more byte and try again from just after it.
        t = starToken + 1;
        k = ++starKey;
      } else {
        return false;
      }
    }
    while (t < tokens.length && tokens[t] == STAR) {
      t++;
    }
    return t == tokens.length;
  }

  private boolean matchesOne(int token, int b) {
    if (token >= 0) {
      return token == b;
    }
    if (token == ANY) {
      return true;
    }
    long[] set = sets[SET_BASE - token];
    return (set[b >>> 6] & 1L << b) != 0;
  }

  /** The pattern as written. */
  @Override
  public String toString() {
    return source;
  }
}
