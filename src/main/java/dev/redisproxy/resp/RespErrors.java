package dev.redisproxy.resp;

import io.vertx.core.buffer.Buffer;

/** Error replies worded as Redis words them, so clients and users recognise them; the same in RESP2 and RESP3. */
final class RespErrors {

  static final Buffer NOT_AN_INTEGER = RespEncoder.error("ERR value is not an integer or out of range");
  static final Buffer SYNTAX_ERROR = RespEncoder.error("ERR syntax error");
  /** Redis's reply when an ACL denies a key. */
  static final Buffer NOPERM = RespEncoder.error("NOPERM No permissions to access a key");

  private RespErrors() {
  }

  static Buffer wrongArity(String name) {
    return RespEncoder.error("ERR wrong number of arguments for '" + name + "' command");
  }

  static Buffer readOnly(String name) {
    return RespEncoder.error("ERR '" + name + "' refused: redis-proxy is read-only (it serves GET and MGET)");
  }

  /** As Redis: the name, then arguments quoted until about 128 characters are shown. */
  static Buffer unknownCommand(RespCommand cmd) {
    StringBuilder args = new StringBuilder();
    for (int i = 1; i < cmd.argc() && args.length() < 128; i++) {
      String arg = cmd.text(i);
      int room = 128 - args.length();
      args.append('\'').append(arg, 0, Math.min(arg.length(), room)).append("' ");
    }
    return RespEncoder.error("ERR unknown command '" + truncate(cmd.text(0)) + "', with args beginning with: " + args);
  }

  static Buffer unknownSubcommand(RespCommand cmd, String command) {
    return RespEncoder.error("ERR unknown subcommand '" + truncate(cmd.text(1)) + "'. Try " + command + " HELP.");
  }

  private static String truncate(String s) {
    return s.length() > 128 ? s.substring(0, 128) : s;
  }
}
