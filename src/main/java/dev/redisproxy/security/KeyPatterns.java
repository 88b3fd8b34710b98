package dev.redisproxy.security;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code KEY_PATTERNS}: the keys clients may read through the proxy, as comma-separated
 * {@link GlobPattern}s; a key is allowed when any pattern matches it. Spaces around each pattern
 * are ignored; a comma that belongs to a pattern is written {@code \,}. Immutable, so the front
 * ends on every event loop share one instance.
 */
public final class KeyPatterns {

  private final List<GlobPattern> patterns;

  private KeyPatterns(List<GlobPattern> patterns) {
    this.patterns = patterns;
  }

  /** Parses the list; throws {@link IllegalArgumentException} naming the pattern at fault. */
  public static KeyPatterns parse(String spec) {
    List<GlobPattern> patterns = new ArrayList<>();
    for (String item : split(spec)) {
      String pattern = item.trim();
      if (pattern.isEmpty()) {
        throw new IllegalArgumentException("'" + spec + "' has an empty pattern (a stray comma?)");
      }
      patterns.add(GlobPattern.compile(pattern));
    }
    return new KeyPatterns(List.copyOf(patterns));
  }

  /** Splits at commas that are not escaped; escapes stay in place for the glob syntax. */
  private static List<String> split(String spec) {
    List<String> items = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (c == '\\' && i + 1 < spec.length()) {
        current.append(c).append(spec.charAt(++i));
      } else if (c == ',') {
        items.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    items.add(current.toString());
    return items;
  }

  /** True if some pattern matches the whole key. */
  public boolean allows(byte[] key) {
    for (GlobPattern p : patterns) {
      if (p.matches(key)) {
        return true;
      }
    }
    return false;
  }

  /** The patterns as configured, comma-separated. */
  @Override
  public String toString() {
    return patterns.stream().map(GlobPattern::toString).collect(Collectors.joining(","));
  }
}
