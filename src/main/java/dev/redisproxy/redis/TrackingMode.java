package dev.redisproxy.redis;

import dev.redisproxy.cache.Key;
import dev.redisproxy.config.CacheInvalidation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link TrackingConnection} asks Redis to report changes: of the keys read on it (the default
 * mode), or of every key under some prefixes, whether read or not ({@code BCAST}).
 *
 * In broadcast mode the prefixes apply; empty means every key.
 */
final class TrackingMode {

  /** Redis remembers the keys read on the connection and reports their changes. */
  static final TrackingMode KEYS_READ = new TrackingMode(false, List.of());

  private final boolean broadcast;
  private final List<String> prefixes;
  // The prefixes as Redis compares them, with the key's bytes: encoded once, not per key.
  private final byte[][] prefixBytes;

  TrackingMode(boolean broadcast, List<String> prefixes) {
    if (!broadcast && !prefixes.isEmpty()) {
      throw new IllegalArgumentException("prefixes need broadcast mode");
    }
    this.broadcast = broadcast;
    this.prefixes = List.copyOf(prefixes);
    this.prefixBytes = this.prefixes.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  boolean broadcast() {
    return broadcast;
  }

  List<String> prefixes() {
    return prefixes;
  }

  /** The mode {@code CACHE_INVALIDATION} (tracking or broadcast) and {@code CACHE_TRACKING_PREFIXES} ask for. */
  static TrackingMode of(CacheInvalidation invalidation, List<String> prefixes) {
    return switch (invalidation) {
      case TRACKING -> KEYS_READ;
      case BROADCAST -> new TrackingMode(true, prefixes);
      case NONE -> throw new IllegalArgumentException("CACHE_INVALIDATION=none tracks nothing");
    };
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

  /**
   * Whether Redis reports the key's writes in this mode: every key read, or in broadcast mode a key
   * under one of the prefixes. Redis compares a prefix with the key's bytes, as here.
   */
  boolean covers(Key key) {
    if (prefixBytes.length == 0) {
      return true;
    }
    for (byte[] prefix : prefixBytes) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** For logs: what Redis reports in this mode. */
  String describe() {
    if (!broadcast) {
      return "changes of cached keys (CLIENT TRACKING)";
    }
    return "every write " + (prefixes.isEmpty() ? "" : "under " + String.join(", ", prefixes) + " ")
        + "(CLIENT TRACKING BCAST)";
  }
}
