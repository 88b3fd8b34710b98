package dev.redisproxy.resp;

import dev.redisproxy.resp.CommandTable.Arg;
import dev.redisproxy.resp.CommandTable.Spec;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code COMMAND [COUNT | LIST | INFO name... | DOCS name...]} over the {@link CommandTable}, in
 * the shapes Redis 7.0 sends: in RESP3 the flags, ACL categories, tips and key specs of
 * {@code COMMAND INFO} are sets, the subcommands a set when there are none and an array when
 * there are; {@code COMMAND DOCS} is a map of maps (in RESP2 flat arrays of pairs).
 */
final class CommandCommand {

  private CommandCommand() {
  }

  /** The reply, its arity already checked. */
  static Buffer reply(RespCommand cmd, Protocol protocol) {
    if (cmd.argc() == 1) {
      RespWriter out = RespWriter.reply(protocol).arrayHeader(CommandTable.count());
      CommandTable.all().forEach(spec -> info(out, spec));
      return out.take();
    }
    String sub = cmd.lower(1);
    if (sub.equals("help")) {
      return ConnectionCommands.help("COMMAND <subcommand> [<arg> ...]. Subcommands are:", "(no subcommand)", "COUNT",
          "LIST", "INFO [<command-name> ...]", "DOCS [<command-name> ...]", "HELP");
    }
    Spec spec = CommandTable.get("command|" + sub);
    if (spec == null) {
      return RespErrors.unknownSubcommand(cmd, "COMMAND");
    }
    if (!spec.arityOk(cmd.argc())) {
      return RespErrors.wrongArity(spec.name());
    }
    return switch (sub) {
      case "count" -> RespEncoder.integer(CommandTable.count());
      case "list" -> names();
      case "info" -> commandInfo(cmd, protocol);
      default -> commandDocs(cmd, protocol);
    };
  }

  private static Buffer commandInfo(RespCommand cmd, Protocol protocol) {
    RespWriter out = RespWriter.reply(protocol).arrayHeader(cmd.argc() - 2);
    for (int i = 2; i < cmd.argc(); i++) {
      Spec spec = CommandTable.get(cmd.lower(i));
      if (spec == null) {
        out.nil();
      } else {
        info(out, spec);
      }
    }
    return out.take();
  }

  /** All served commands, or those named (unknown names are left out). */
  private static Buffer commandDocs(RespCommand cmd, Protocol protocol) {
    List<Spec> specs = new ArrayList<>();
    if (cmd.argc() == 2) {
      CommandTable.all().forEach(specs::add);
    }
    for (int i = 2; i < cmd.argc(); i++) {
      Spec spec = CommandTable.get(cmd.lower(i));
      if (spec != null) {
        specs.add(spec);
      }
    }
    RespWriter out = RespWriter.reply(protocol).mapHeader(specs.size());
    for (Spec spec : specs) {
      out.bulk(spec.name());
      docs(out, spec);
    }
    return out.take();
  }

  /** The {@code COMMAND INFO} entry: name, arity, flags, key positions, ACL categories, tips, key specs, subcommands. */
  private static void info(RespWriter out, Spec spec) {
    out.arrayHeader(10).bulk(spec.name()).integer(spec.arity());
    simpleSet(out, spec.flags());
    out.integer(spec.firstKey()).integer(spec.lastKey()).integer(spec.firstKey() == 0 ? 0 : 1);
    simpleSet(out, spec.acl());
    out.setHeader(0).setHeader(0);
    if (spec.subcommands().isEmpty()) {
      out.setHeader(0);
      return;
    }
    out.arrayHeader(spec.subcommands().size());
    for (Spec sub : spec.subcommands()) {
      info(out, sub);
    }
  }

  /** The {@code COMMAND DOCS} map of one command. */
  private static void docs(RespWriter out, Spec spec) {
    boolean hasArgs = !spec.args().isEmpty();
    boolean hasSubs = !spec.subcommands().isEmpty();
    out.mapHeader(3 + (hasArgs ? 1 : 0) + (hasSubs ? 1 : 0))
        .bulk("summary").bulk(spec.summary())
        .bulk("since").bulk(spec.since())
        .bulk("group").bulk(spec.group());
    if (hasArgs) {
      out.bulk("arguments");
      args(out, spec.args());
    }
    if (hasSubs) {
      out.bulk("subcommands").mapHeader(spec.subcommands().size());
      for (Spec sub : spec.subcommands()) {
        out.bulk(sub.name());
        docs(out, sub);
      }
    }
  }

  private static void args(RespWriter out, List<Arg> args) {
    out.arrayHeader(args.size());
    for (Arg arg : args) {
      boolean key = "key".equals(arg.type());
      int pairs = 2 + (arg.token() != null ? 1 : 0) + (arg.flags().isEmpty() ? 0 : 1)
          + (arg.children().isEmpty() ? 0 : 1) + (key ? 1 : 0);
      out.mapHeader(pairs).bulk("name").bulk(arg.name()).bulk("type").bulk(arg.type());
      if (key) {
        out.bulk("key_spec_index").integer(0);
      }
      if (arg.token() != null) {
        out.bulk("token").bulk(arg.token());
      }
      if (!arg.flags().isEmpty()) {
        out.bulk("flags");
        simpleSet(out, arg.flags());
      }
      if (!arg.children().isEmpty()) {
        out.bulk("arguments");
        args(out, arg.children());
      }
    }
  }

  private static Buffer names() {
    RespWriter out = RespWriter.reply(Protocol.RESP2).arrayHeader(CommandTable.count());
    CommandTable.all().forEach(spec -> out.bulk(spec.name()));
    return out.take();
  }

  private static void simpleSet(RespWriter out, List<String> items) {
    out.setHeader(items.size());
    items.forEach(out::simple);
  }
}
