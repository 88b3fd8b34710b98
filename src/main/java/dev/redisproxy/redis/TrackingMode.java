package dev.redisproxy.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link TrackingConnection} asks Redis to report changes: of the keys read on it (the default
 * mode), or of every key under some prefixes, whether read or not ({@code BCAST}).
 *
 * @param broadcast whether Redis reports every write under {@code prefixes} ({@code CLIENT TRACKING ON BCAST})
 * @param prefixes  the key prefixes of broadcast mode; empty: every key
 */
record TrackingMode(boolean broadcast, List<String> prefixes) {

  /** Redis remembers the keys read on the connection and reports their changes. */
  static final TrackingMode KEYS_READ = new TrackingMode(false, List.of());

  TrackingMode {
    prefixes = List.copyOf(prefixes);
    if (!broadcast && !prefixes.isEmpty()) {
      throw new IllegalArgumentException("prefixes need broadcast mode");
    }
  }

  /** The {@code CLIENT TRACKING} command that turns this mode on. */
  Object[] command() {
    List<Object> args = new ArrayList<>(List.of("CLIENT", "TRACKING", "ON"));
    if (broadcast) {
      args.add("BCAST");
      for (String prefix : prefixes) {
        args.add("PREFIX");
        args.add(prefix);
      }
    }
    return args.toArray();
  }
}
