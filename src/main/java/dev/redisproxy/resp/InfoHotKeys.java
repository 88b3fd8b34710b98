package dev.redisproxy.resp;

import dev.redisproxy.cache.HotKeys;
import dev.redisproxy.cache.HotKeysSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.util.List;

/**
 * {@code INFO hotkeys}: what {@code GET /hotkeys} reports, as INFO fields. Listed when named, or
 * with {@code all} or {@code everything}; a plain {@code INFO} leaves it out, as Redis leaves out
 * its long sections. One line per key, the key last so that any text after {@code key=} is the key
 * (printed as redis-cli prints keys, so it never holds a line break):
 * <pre>
 * # Hotkeys
 * hotkeys_window_seconds:60
 * hotkey_0:reads=412,hits=410,misses=2,key=user:42
 * missedkey_0:reads=9,hits=0,misses=9,key=user:43
 * </pre>
 */
final class InfoHotKeys {

  /** Keys listed by reads, and again by misses. */
  static final int KEYS = 20;

  private InfoHotKeys() {
  }

  /** Whether the INFO command asks for the section. */
  static boolean wanted(RespCommand cmd) {
    for (int i = 1; i < cmd.argc(); i++) {
      String s = cmd.lower(i);
      if (s.equals("hotkeys") || s.equals("all") || s.equals("everything")) {
        return true;
      }
    }
    return false;
  }

  static Future<HotKeysSnapshot> fetch(Vertx vertx, DeliveryOptions options) {
    return vertx.eventBus().<HotKeysSnapshot>request(HotKeys.ADDRESS, KEYS, options).map(Message::body);
  }

  static void append(StringBuilder out, HotKeysSnapshot snap) {
    if (out.length() > 0) {
      out.append("\r\n");
    }
    out.append("# Hotkeys\r\n");
    out.append("hotkeys_window_seconds:").append(snap.windowSeconds()).append("\r\n");
    rows(out, "hotkey_", snap.byReads());
    rows(out, "missedkey_", snap.byMisses());
  }

  private static void rows(StringBuilder out, String prefix, List<HotKeysSnapshot.Row> rows) {
    for (int i = 0; i < rows.size(); i++) {
      HotKeysSnapshot.Row r = rows.get(i);
      out.append(prefix).append(i).append(":reads=").append(r.reads()).append(",hits=").append(r.hits())
          .append(",misses=").append(r.misses()).append(",key=").append(r.key()).append("\r\n");
    }
  }
}
