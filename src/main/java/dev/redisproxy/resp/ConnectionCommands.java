package dev.redisproxy.resp;

import dev.redisproxy.resp.CommandTable.Spec;
import io.vertx.core.buffer.Buffer;
import java.util.regex.Pattern;

/**
 * The commands about the connection itself: PING, ECHO, QUIT, SELECT, AUTH, HELLO and CLIENT.
 * Each reply is encoded in the connection's protocol; HELLO changes that protocol and answers in
 * the new one, as Redis does.
 */
final class ConnectionCommands {

  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
  private static final Buffer NOPROTO = RespEncoder.error("NOPROTO unsupported protocol version");
  private static final Buffer BAD_VERSION = RespEncoder.error("ERR Protocol version is not an integer or out of range");
  private static final Buffer BAD_NAME =
      RespEncoder.error("ERR Client names cannot contain spaces, newlines or special characters.");
  private static final Buffer BAD_DB = RespEncoder.error("ERR DB index is out of range: redis-proxy serves database 0 only");

  // Null when clients need not authenticate.
  private final RespAuth auth;

  ConnectionCommands(RespAuth auth) {
    this.auth = auth;
  }

  /** The reply to one of this family's commands, its arity already checked. */
  Buffer reply(RespCommand cmd, ConnectionState conn) {
    return switch (cmd.name()) {
      case "ping" -> ping(cmd);
      case "echo" -> RespEncoder.bulkString(cmd.arg(1));
      case "quit" -> quit(conn);
      case "select" -> select(cmd);
      case "auth" -> auth(cmd, conn);
      case "hello" -> hello(cmd, conn);
      case "client" -> client(cmd, conn);
      default -> RespErrors.unknownCommand(cmd);
    };
  }

  private static Buffer ping(RespCommand cmd) {
    return switch (cmd.argc()) {
      case 1 -> RespEncoder.PONG;
      case 2 -> RespEncoder.bulkString(cmd.arg(1));
      default -> RespErrors.wrongArity("ping");
    };
  }

  private static Buffer quit(ConnectionState conn) {
    conn.closeAfterReplies();
    return RespEncoder.OK;
  }

  private static Buffer select(RespCommand cmd) {
    Long db = integer(cmd.text(1));
    if (db == null) {
      return RespErrors.NOT_AN_INTEGER;
    }
    return db == 0 ? RespEncoder.OK : BAD_DB;
  }

  /** {@code AUTH [username] password}: checked when PROXY_PASSWORD is set, else accepted as before. */
  private Buffer auth(RespCommand cmd, ConnectionState conn) {
    if (cmd.argc() > 3) {
      return RespErrors.SYNTAX_ERROR;
    }
    if (auth == null || auth.attempt(cmd.argc() == 3 ? cmd.arg(1) : null, cmd.arg(cmd.argc() - 1), conn)) {
      return RespEncoder.OK;
    }
    return RespAuth.WRONGPASS;
  }

  /**
   * {@code HELLO [protover [AUTH username password] [SETNAME clientname]]}, checked in Redis's
   * order: the version, the options, the credentials, then the name. Only when all pass does the
   * connection switch protocol; without a version it keeps the one it has.
   */
  private Buffer hello(RespCommand cmd, ConnectionState conn) {
    Protocol protocol = conn.protocol();
    if (cmd.argc() >= 2) {
      Long version = integer(cmd.text(1));
      if (version == null) {
        return BAD_VERSION;
      }
      protocol = Protocol.of(version);
      if (protocol == null) {
        return NOPROTO;
      }
    }
    HelloOptions options = HelloOptions.parse(cmd);
    if (options.badOption() != null) {
      return RespEncoder.error("ERR Syntax error in HELLO option '" + options.badOption() + "'");
    }
    // Without PROXY_PASSWORD, credentials are accepted as given.
    if (auth != null && options.password() != null && !auth.attempt(options.user(), options.password(), conn)) {
      return RespAuth.WRONGPASS;
    }
    if (auth != null && !conn.authenticated()) {
      return RespAuth.HELLO_NOAUTH;
    }
    if (options.name() != null && !validName(options.name())) {
      return BAD_NAME;
    }
    if (options.name() != null) {
      conn.clientName(options.name().isEmpty() ? null : options.name());
    }
    conn.protocol(protocol);
    return RespWriter.reply(protocol).mapHeader(7)
        .bulk("server").bulk("redis")
        .bulk("version").bulk(Commands.REDIS_VERSION)
        .bulk("proto").integer(protocol.version())
        .bulk("id").integer(conn.id())
        .bulk("mode").bulk("standalone")
        .bulk("role").bulk("master")
        .bulk("modules").arrayHeader(0)
        .take();
  }

  /** HELLO's options after the version; {@code badOption} is the first one not understood, else null. */
  private record HelloOptions(byte[] user, byte[] password, String name, String badOption) {

    static HelloOptions parse(RespCommand cmd) {
      byte[] user = null;
      byte[] password = null;
      String name = null;
      for (int i = 2; i < cmd.argc(); i++) {
        String option = cmd.lower(i);
        if (option.equals("auth") && i + 2 < cmd.argc()) {
          user = cmd.arg(++i);
          password = cmd.arg(++i);
        } else if (option.equals("setname") && i + 1 < cmd.argc()) {
          name = cmd.text(++i);
        } else {
          return new HelloOptions(null, null, null, cmd.text(i));
        }
      }
      return new HelloOptions(user, password, name, null);
    }
  }

  private static Buffer client(RespCommand cmd, ConnectionState conn) {
    String sub = cmd.lower(1);
    if (sub.equals("help")) {
      return help("CLIENT <subcommand> [<arg> ...]. Subcommands are:", "GETNAME", "ID",
          "SETINFO <LIB-NAME|LIB-VER> <value>", "SETNAME <name>", "HELP");
    }
    Spec spec = CommandTable.get("client|" + sub);
    if (spec == null) {
      return RespErrors.unknownSubcommand(cmd, "CLIENT");
    }
    if (!spec.arityOk(cmd.argc())) {
      return RespErrors.wrongArity(spec.name());
    }
    return switch (sub) {
      case "setname" -> setName(cmd.text(2), conn);
      case "getname" -> conn.clientName() == null
          ? RespWriter.reply(conn.protocol()).nil().take() : RespEncoder.bulkString(conn.clientName());
      case "setinfo" -> setInfo(cmd);
      default -> RespEncoder.integer(conn.id());
    };
  }

  private static Buffer setName(String name, ConnectionState conn) {
    if (!validName(name)) {
      return BAD_NAME;
    }
    conn.clientName(name.isEmpty() ? null : name);
    return RespEncoder.OK;
  }

  private static Buffer setInfo(RespCommand cmd) {
    String attr = cmd.lower(2);
    if (!attr.equals("lib-name") && !attr.equals("lib-ver")) {
      return RespEncoder.error("ERR Unrecognized option '" + cmd.text(2) + "'");
    }
    return validName(cmd.text(3)) ? RespEncoder.OK
        : RespEncoder.error("ERR " + attr + " cannot contain spaces, newlines or special characters.");
  }

  /** A HELP reply: one status line per line of text, as Redis sends it in both protocols. */
  static Buffer help(String... lines) {
    RespWriter out = RespWriter.reply(Protocol.RESP2).arrayHeader(lines.length);
    for (String line : lines) {
      out.simple(line);
    }
    return out.take();
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
