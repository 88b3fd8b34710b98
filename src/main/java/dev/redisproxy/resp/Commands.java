package dev.redisproxy.resp;

import dev.redisproxy.resp.CommandTable.Spec;
import dev.redisproxy.security.KeyPatterns;
import io.vertx.core.buffer.Buffer;

/**
 * Turns a parsed command into its reply. GET and MGET become a {@link KeysReply} whose keys the
 * connection looks up; the connection-level commands are answered by {@link ConnectionCommands},
 * COMMAND by {@link CommandCommand}, INFO by {@link Info}; everything else is refused without
 * touching Redis. A command only produces its reply (in the connection's protocol) and changes
 * the connection's {@link ConnectionState}; ordering and writing are the connection's.
 *
 * <p>With {@code PROXY_PASSWORD} set, a connection must authenticate first ({@link RespAuth});
 * with {@code KEY_PATTERNS} set, GET and MGET of a key outside them are refused with Redis's ACL
 * error before any lookup. When off, each costs one null check per command.
 *
 * <p>Stateless apart from what the connection state holds; one instance serves all connections
 * of a verticle.
 */
final class Commands {

  /** The Redis version the proxy presents in HELLO and INFO: the protocol level it speaks. */
  static final String REDIS_VERSION = "7.0.0";

  private static final EncodedReply NOAUTH = EncodedReply.of(RespAuth.NOAUTH);
  private static final EncodedReply NOPERM = EncodedReply.of(RespErrors.NOPERM);

  private final Info info;
  private final ConnectionCommands connection;
  // Null when clients need not authenticate.
  private final RespAuth auth;
  // Null when every key may be read.
  private final KeyPatterns keyPatterns;
  private final RespOutcomes outcomes;

  Commands(Info info, RespAuth auth, KeyPatterns keyPatterns, RespOutcomes outcomes) {
    this.info = info;
    this.connection = new ConnectionCommands(auth);
    this.auth = auth;
    this.keyPatterns = keyPatterns;
    this.outcomes = outcomes;
  }

  PendingReply dispatch(RespCommand cmd, ConnectionState conn) {
    String name = cmd.name();
    if (auth != null && !conn.authenticated() && !RespAuth.OPEN_COMMANDS.contains(name)) {
      return NOAUTH;
    }
    Spec spec = CommandTable.get(name);
    if (spec == null) {
      return encoded(CommandTable.WRITES.contains(name) ? RespErrors.readOnly(name) : RespErrors.unknownCommand(cmd));
    }
    if (!spec.arityOk(cmd.argc())) {
      return encoded(RespErrors.wrongArity(name));
    }
    return switch (name) {
      case "get" -> lookup(cmd, conn, false);
      case "mget" -> lookup(cmd, conn, true);
      case "info" -> new FutureReply(info.reply(cmd, conn.protocol()));
      case "command" -> encoded(CommandCommand.reply(cmd, conn.protocol()));
      default -> encoded(connection.reply(cmd, conn));
    };
  }

  /** GET or MGET; as with a Redis ACL, one key outside KEY_PATTERNS refuses the whole command. */
  private PendingReply lookup(RespCommand cmd, ConnectionState conn, boolean array) {
    if (keyPatterns != null) {
      for (int i = 1; i < cmd.argc(); i++) {
        if (!keyPatterns.allows(cmd.arg(i))) {
          return NOPERM;
        }
      }
    }
    return new KeysReply(cmd, array, conn.protocol(), outcomes);
  }

  private static PendingReply encoded(Buffer reply) {
    return EncodedReply.of(reply);
  }
}
