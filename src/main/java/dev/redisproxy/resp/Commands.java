package dev.redisproxy.resp;

import dev.redisproxy.resp.CommandTable.Spec;
import dev.redisproxy.security.KeyPatterns;
import io.vertx.core.buffer.Buffer;
import java.util.regex.Pattern;

/**
 * Carries out parsed commands for a {@link RespConnection}. GET and MGET become cache lookups;
 * the connection-level commands are answered here; everything else is refused without touching
 * Redis. Error texts follow Redis's wording, so clients and users recognise them.
 *
 * <p>With {@code PROXY_PASSWORD} set, a connection must authenticate first ({@link RespAuth});
 * with {@code KEY_PATTERNS} set, GET and MGET of a key outside them are refused with Redis's ACL
 * error before any lookup. When off, each costs one null check per command.
 *
 * <p>Stateless apart from what the connection holds (its id, name, authentication); one instance
 * serves all connections of a verticle.
 */
final class Commands {

  /** The Redis version the proxy presents in HELLO and INFO: the protocol level it speaks. */
  static final String REDIS_VERSION = "7.0.0";

  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
  private static final Buffer NOPROTO = RespEncoder.error("NOPROTO unsupported protocol version");
  private static final Buffer NOT_AN_INTEGER = RespEncoder.error("ERR value is not an integer or out of range");
  private static final Buffer BAD_NAME =
      RespEncoder.error("ERR Client names cannot contain spaces, newlines or special characters.");
  private static final Buffer SYNTAX_ERROR = RespEncoder.error("ERR syntax error");
  /** Redis's reply when an ACL denies a key. */
  private static final Buffer NOPERM = RespEncoder.error("NOPERM No permissions to access a key");

  private final Info info;
  // Null when clients need not authenticate.
  private final RespAuth auth;
  // Null when every key may be read.
  private final KeyPatterns keyPatterns;

  Commands(Info info, RespAuth auth, KeyPatterns keyPatterns) {
    this.info = info;
    this.auth = auth;
    this.keyPatterns = keyPatterns;
  }

  void dispatch(RespCommand cmd, RespConnection conn) {
    String name = cmd.name();
    if (auth != null && !conn.authenticated() && !RespAuth.OPEN_COMMANDS.contains(name)) {
      conn.reply(RespAuth.NOAUTH);
      return;
    }
    Spec spec = CommandTable.get(name);
    if (spec == null) {
      conn.reply(CommandTable.WRITES.contains(name) ? readOnly(name) : unknownCommand(cmd));
      return;
    }
    if (!spec.arityOk(cmd.argc())) {
      conn.reply(wrongArity(name));
      return;
    }
    switch (name) {
      case "get" -> lookup(cmd, conn, false);
      case "mget" -> lookup(cmd, conn, true);
      case "ping" -> conn.reply(ping(cmd));
      case "echo" -> conn.reply(RespEncoder.bulkString(cmd.arg(1)));
      case "quit" -> conn.quit();
      case "select" -> conn.reply(select(cmd));
      case "auth" -> auth(cmd, conn);
      case "hello" -> conn.reply(hello(cmd, conn));
      case "client" -> conn.reply(client(cmd, conn));
      case "command" -> conn.reply(command(cmd));
      case "info" -> conn.replyLater(info.reply(cmd));
      default -> conn.reply(unknownCommand(cmd));
    }
  }

  /** GET or MGET; as with a Redis ACL, one key outside KEY_PATTERNS refuses the whole command. */
  private void lookup(RespCommand cmd, RespConnection conn, boolean array) {
    if (keyPatterns != null) {
      for (int i = 1; i < cmd.argc(); i++) {
        if (!keyPatterns.allows(cmd.arg(i))) {
          conn.reply(NOPERM);
          return;
        }
      }
    }
    conn.lookup(cmd, array);
  }

  /** {@code AUTH [username] password}: checked when PROXY_PASSWORD is set, else accepted as before. */
  private void auth(RespCommand cmd, RespConnection conn) {
    if (cmd.argc() > 3) {
      conn.reply(SYNTAX_ERROR);
    } else if (auth == null || auth.attempt(cmd.argc() == 3 ? cmd.arg(1) : null, cmd.arg(cmd.argc() - 1), conn)) {
      conn.reply(RespEncoder.OK);
    } else {
      conn.reply(RespAuth.WRONGPASS);
    }
  }

  private static Buffer ping(RespCommand cmd) {
    return switch (cmd.argc()) {
      case 1 -> RespEncoder.PONG;
      case 2 -> RespEncoder.bulkString(cmd.arg(1));
      default -> wrongArity("ping");
    };
  }

  private static Buffer select(RespCommand cmd) {
    Long db = integer(cmd.text(1));
    if (db == null) {
      return NOT_AN_INTEGER;
    }
    return db == 0 ? RespEncoder.OK : RespEncoder.error("ERR DB index is out of range: redis-proxy serves database 0 only");
  }

  /** {@code HELLO [protover [AUTH username password] [SETNAME clientname]]}; only RESP2 is spoken. */
  private Buffer hello(RespCommand cmd, RespConnection conn) {
    String newName = null;
    byte[] user = null;
    byte[] password = null;
    if (cmd.argc() >= 2) {
      Long version = integer(cmd.text(1));
      if (version == null) {
        return RespEncoder.error("ERR Protocol version is not an integer or out of range");
      }
      for (int i = 2; i < cmd.argc(); i++) {
        String option = cmd.lower(i);
        if (option.equals("auth") && i + 2 < cmd.argc()) {
          user = cmd.arg(++i);
          password = cmd.arg(++i);
        } else if (option.equals("setname") && i + 1 < cmd.argc()) {
          newName = cmd.text(++i);
        } else {
          return RespEncoder.error("ERR Syntax error in HELLO option '" + cmd.text(i) + "'");
        }
      }
      if (version != 2) {
        return NOPROTO;
      }
    }
    // As Redis: authenticate, then insist on it, then check the name. Without PROXY_PASSWORD,
    // credentials are accepted as given.
    if (auth != null && password != null && !auth.attempt(user, password, conn)) {
      return RespAuth.WRONGPASS;
    }
    if (auth != null && !conn.authenticated()) {
      return RespAuth.HELLO_NOAUTH;
    }
    if (newName != null && !validName(newName)) {
      return BAD_NAME;
    }
    if (newName != null) {
      conn.clientName(newName.isEmpty() ? null : newName);
    }
    return RespEncoder.encoder().array(14)
        .bulk("server").bulk("redis")
        .bulk("version").bulk(REDIS_VERSION)
        .bulk("proto").num(2)
        .bulk("id").num(conn.id())
        .bulk("mode").bulk("standalone")
        .bulk("role").bulk("master")
        .bulk("modules").array(0)
        .toBuffer();
  }

  private static Buffer client(RespCommand cmd, RespConnection conn) {
    String sub = cmd.lower(1);
    if (sub.equals("help")) {
      return help("CLIENT <subcommand> [<arg> ...]. Subcommands are:", "GETNAME", "ID",
          "SETINFO <LIB-NAME|LIB-VER> <value>", "SETNAME <name>", "HELP");
    }
    Spec spec = CommandTable.get("client|" + sub);
    if (spec == null) {
      return unknownSubcommand(cmd, "CLIENT");
    }
    if (!spec.arityOk(cmd.argc())) {
      return wrongArity(spec.name());
    }
    switch (sub) {
      case "setname" -> {
        String name = cmd.text(2);
        if (!validName(name)) {
          return BAD_NAME;
        }
        conn.clientName(name.isEmpty() ? null : name);
        return RespEncoder.OK;
      }
      case "getname" -> {
        return conn.clientName() == null ? RespEncoder.NIL : RespEncoder.bulkString(conn.clientName());
      }
      case "setinfo" -> {
        String attr = cmd.lower(2);
        if (!attr.equals("lib-name") && !attr.equals("lib-ver")) {
          return RespEncoder.error("ERR Unrecognized option '" + cmd.text(2) + "'");
        }
        return validName(cmd.text(3)) ? RespEncoder.OK
            : RespEncoder.error("ERR " + attr + " cannot contain spaces, newlines or special characters.");
      }
      default -> {
        return RespEncoder.integer(conn.id());
      }
    }
  }

  /** {@code COMMAND [COUNT | LIST | INFO name... | DOCS name...]}, covering the served commands. */
  private static Buffer command(RespCommand cmd) {
    if (cmd.argc() == 1) {
      RespEncoder out = RespEncoder.encoder().array(CommandTable.count());
      CommandTable.all().forEach(spec -> CommandTable.info(out, spec));
      return out.toBuffer();
    }
    String sub = cmd.lower(1);
    if (sub.equals("help")) {
      return help("COMMAND <subcommand> [<arg> ...]. Subcommands are:", "(no subcommand)", "COUNT", "LIST",
          "INFO [<command-name> ...]", "DOCS [<command-name> ...]", "HELP");
    }
    Spec spec = CommandTable.get("command|" + sub);
    if (spec == null) {
      return unknownSubcommand(cmd, "COMMAND");
    }
    if (!spec.arityOk(cmd.argc())) {
      return wrongArity(spec.name());
    }
    return switch (sub) {
      case "count" -> RespEncoder.integer(CommandTable.count());
      case "list" -> CommandTable.names();
      case "info" -> commandInfo(cmd);
      default -> commandDocs(cmd);
    };
  }

  private static Buffer commandInfo(RespCommand cmd) {
    RespEncoder out = RespEncoder.encoder().array(cmd.argc() - 2);
    for (int i = 2; i < cmd.argc(); i++) {
      Spec spec = CommandTable.get(cmd.lower(i));
      if (spec == null) {
        out.nil();
      } else {
        CommandTable.info(out, spec);
      }
    }
    return out.toBuffer();
  }

  private static Buffer commandDocs(RespCommand cmd) {
    RespEncoder body = RespEncoder.encoder();
    int found = 0;
    if (cmd.argc() == 2) {
      for (Spec spec : CommandTable.all()) {
        body.bulk(spec.name());
        CommandTable.docs(body, spec);
        found++;
      }
    }
    for (int i = 2; i < cmd.argc(); i++) {
      Spec spec = CommandTable.get(cmd.lower(i));
      if (spec != null) {
        body.bulk(spec.name());
        CommandTable.docs(body, spec);
        found++;
      }
    }
    return RespEncoder.encoder().array(2 * found).toBuffer().appendBuffer(body.toBuffer());
  }

  private static Buffer help(String... lines) {
    RespEncoder out = RespEncoder.encoder().array(lines.length);
    for (String line : lines) {
      out.simple(line);
    }
    return out.toBuffer();
  }

  static Buffer wrongArity(String name) {
    return RespEncoder.error("ERR wrong number of arguments for '" + name + "' command");
  }

  private static Buffer readOnly(String name) {
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

  private static Buffer unknownSubcommand(RespCommand cmd, String command) {
    return RespEncoder.error("ERR unknown subcommand '" + truncate(cmd.text(1)) + "'. Try " + command + " HELP.");
  }

  private static String truncate(String s) {
    return s.length() > 128 ? s.substring(0, 128) : s;
  }

  /** Redis accepts names of printable ASCII without spaces: '!' to '~'. */
  private static boolean validName(String name) {
    return name.chars().allMatch(c -> c >= '!' && c <= '~');
  }

  /** The argument as a whole number, or null; as Redis reads integers (no spaces, '+' or leading zeros). */
  private static Long integer(String text) {
    if (text.length() > 19 || !INTEGER.matcher(text).matches()) {
      return null;
    }
    return Long.parseLong(text);
  }
}
