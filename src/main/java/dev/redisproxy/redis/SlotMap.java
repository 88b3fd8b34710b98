package dev.redisproxy.redis;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which master of a Redis Cluster owns each of the 16384 hash slots, as one node answered
 * {@code CLUSTER SLOTS}, and the slot of a key (CRC16 of the key, or of its hash tag {@code {...}}).
 * Immutable; two maps are equal when every slot has the same owner.
 */
final class SlotMap {

  static final int SLOTS = 16384;

  // CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as the Redis Cluster specification says.
  private static final int[] CRC_TABLE = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      CRC_TABLE[i] = crc & 0xFFFF;
    }
  }

  // The owner of each slot as "host:port", one shared String per master; null for an unassigned slot.
  private final String[] owners;
  // The masters that own at least one slot, in the order of the reply.
  private final Set<String> masters;
  // Every node the reply named, replicas too: where the map can be asked for again.
  private final Set<String> nodes;

  private SlotMap(String[] owners, Set<String> nodes) {
    this.owners = owners;
    Set<String> owning = new LinkedHashSet<>();
    for (String owner : owners) {
      if (owner != null) {
        owning.add(owner);
      }
    }
    this.masters = Collections.unmodifiableSet(owning);
    this.nodes = Collections.unmodifiableSet(nodes);
  }

  /** The hash slot of a key: of the part between the first {@code {} and the next {@code }}, if that part is not empty. */
  static int slot(byte[] key) {
    int from = 0;
    int to = key.length;
    for (int open = 0; open < key.length; open++) {
      if (key[open] == '{') {
        for (int close = open + 1; close < key.length; close++) {
          if (key[close] == '}') {
            if (close > open + 1) {
              from = open + 1;
              to = close;
            }
            break;
          }
        }
        break;
      }
    }
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 8) ^ key[i]) & 0xFF]) & 0xFFFF;
    }
    return crc & (SLOTS - 1);
  }

  /**
   * Reads a {@code CLUSTER SLOTS} reply: {@code [start, end, [host, port, id, ...], replicas...]} per
   * range. A node whose host is empty or {@code ?} (the node answering does not know its own address)
   * is taken to be at {@code askedHost}.
   *
   * @throws IllegalArgumentException if the reply is not shaped so
   */
  static SlotMap parse(Object reply, String askedHost) {
    if (!(reply instanceof List<?> ranges)) {
      throw new IllegalArgumentException("CLUSTER SLOTS answered " + reply);
    }
    String[] owners = new String[SLOTS];
    Set<String> nodes = new LinkedHashSet<>();
    for (Object range : ranges) {
      if (!(range instanceof List<?> r) || r.size() < 3 || !(r.get(0) instanceof Long start)
          || !(r.get(1) instanceof Long end) || start < 0 || end >= SLOTS || start > end) {
        throw new IllegalArgumentException("CLUSTER SLOTS answered a range " + range);
      }
      String master = endpoint(r.get(2), askedHost);
      // One String per master, so that the owners array shares it.
      for (String known : nodes) {
        if (known.equals(master)) {
          master = known;
        }
      }
      nodes.add(master);
      Arrays.fill(owners, start.intValue(), end.intValue() + 1, master);
      for (Object replica : r.subList(3, r.size())) {
        nodes.add(endpoint(replica, askedHost));
      }
    }
    return new SlotMap(owners, nodes);
  }

  private static String endpoint(Object node, String askedHost) {
    if (!(node instanceof List<?> n) || n.size() < 2 || !(n.get(1) instanceof Long port)) {
      throw new IllegalArgumentException("CLUSTER SLOTS answered a node " + node);
    }
    String host = n.get(0) instanceof Buffer b ? b.toString(StandardCharsets.UTF_8) : "";
    if (host.isEmpty() || host.equals("?")) {
      host = askedHost;
    }
    return hostPort(host, port);
  }

  private static String hostPort(String host, long port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * The {@code host:port} of a redirection's {@code ip:port} ({@code MOVED 3999 ::1:7001}), IPv6 in
   * brackets as in the map; null when it names no host (a node that does not know its address).
   */
  static String endpoint(String redirection) {
    int colon = redirection.lastIndexOf(':');
    if (colon <= 0 || redirection.startsWith("[")) {
      return colon <= 0 ? null : redirection;
    }
    try {
      return hostPort(redirection.substring(0, colon), Long.parseLong(redirection.substring(colon + 1)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The master that owns the slot, as {@code host:port}; null if no node serves it. */
  String master(int slot) {
    return owners[slot];
  }

  /** The masters that own at least one slot. */
  Set<String> masters() {
    return masters;
  }

  /** Every node the reply named, masters and replicas. */
  Set<String> nodes() {
    return nodes;
  }

  /** How many slots have another owner in {@code other}. */
  int moved(SlotMap other) {
    int moved = 0;
    for (int s = 0; s < SLOTS; s++) {
      if (!Objects.equals(owners[s], other.owners[s])) {
        moved++;
      }
    }
    return moved;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SlotMap m && Arrays.equals(owners, m.owners);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(owners);
  }

  @Override
  public String toString() {
    return "slot map of masters " + masters();
  }
}
