package dev.redisproxy.resp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the proxy knows about commands: the ones it serves, with Redis's arity and enough
 * metadata for {@code COMMAND}, {@code COMMAND INFO} and {@code COMMAND DOCS} (which
 * {@code redis-cli} 7.2+ reads for its hints; {@link CommandCommand} encodes it), and the Redis
 * commands that write, which are refused with a read-only error instead of "unknown command".
 */
final class CommandTable {

  /** A command argument as {@code COMMAND DOCS} describes it. */
  record Arg(String name, String type, String token, List<String> flags, List<Arg> children) {

    static Arg of(String name, String type, String... flags) {
      return new Arg(name, type, null, List.of(flags), List.of());
    }

    static Arg token(String token, Arg... children) {
      return new Arg(token.toLowerCase(), "block", token, List.of("optional"), List.of(children));
    }
  }

  /**
   * A command or subcommand. {@code arity} as Redis counts it: the number of arguments including
   * the name, negative for "at least".
   */
  record Spec(String name, int arity, List<String> flags, int firstKey, int lastKey, List<String> acl,
      String summary, String since, String group, List<Arg> args, List<Spec> subcommands) {

    boolean arityOk(int argc) {
      return arity >= 0 ? argc == arity : argc >= -arity;
    }
  }

  private static final Map<String, Spec> COMMANDS = new LinkedHashMap<>();

  static {
    add(new Spec("get", 2, List.of("readonly", "fast"), 1, 1, List.of("@read", "@string", "@fast"),
        "Get the value of a key", "1.0.0", "string", List.of(Arg.of("key", "key")), List.of()));
    add(new Spec("mget", -2, List.of("readonly", "fast"), 1, -1, List.of("@read", "@string", "@fast"),
        "Get the values of all the given keys", "1.0.0", "string",
        List.of(Arg.of("key", "key", "multiple")), List.of()));
    add(connection("ping", -1, "Ping the server", List.of(Arg.of("message", "string", "optional"))));
    add(connection("echo", 2, "Echo the given string", List.of(Arg.of("message", "string"))));
    add(connection("quit", -1, "Close the connection", List.of()));
    add(connection("select", 2, "Change the selected database (the proxy serves database 0 only)",
        List.of(Arg.of("index", "integer"))));
    add(connection("auth", -2, "Authenticate to the proxy (PROXY_PASSWORD; accepted unchecked when none is set)",
        List.of(Arg.of("username", "string", "optional"), Arg.of("password", "string"))));
    add(connection("hello", -1, "Handshake with the proxy (RESP2 or RESP3)", List.of(
        new Arg("arguments", "block", null, List.of("optional"), List.of(
            Arg.of("protover", "integer"),
            Arg.token("AUTH", Arg.of("username", "string"), Arg.of("password", "string")),
            new Arg("clientname", "string", "SETNAME", List.of("optional"), List.of()))))));
    add(container("client", -2, "A container for client connection commands", List.of(
        connection("client|setname", 3, "Set the current connection name",
            List.of(Arg.of("connection-name", "string"))),
        connection("client|getname", 2, "Get the current connection name", List.of()),
        connection("client|setinfo", 4, "Set client library name or version (accepted, not kept)",
            List.of(new Arg("attr", "oneof", null, List.of(), List.of(
                new Arg("libname", "string", "LIB-NAME", List.of(), List.of()),
                new Arg("libver", "string", "LIB-VER", List.of(), List.of()))))),
        connection("client|id", 2, "Returns the client ID for the current connection", List.of()))));
    add(container("command", -1, "Get array of the proxy's command details", List.of(
        server("command|count", 2, "Get total number of commands", List.of()),
        server("command|list", 2, "Get an array of command names", List.of()),
        server("command|info", -2, "Get array of specific command details",
            List.of(Arg.of("command-name", "string", "optional", "multiple"))),
        server("command|docs", -2, "Get array of specific command documentation",
            List.of(Arg.of("command-name", "string", "optional", "multiple"))))));
    add(server("info", -1, "Get information and statistics about the proxy and its cache",
        List.of(Arg.of("section", "string", "optional", "multiple"))));
  }

  /** Redis commands that change data or can (scripts, functions): refused as writes. */
  static final Set<String> WRITES = Set.of(
      "append", "bitfield", "bitop", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop",
      "bzpopmax", "bzpopmin", "copy", "decr", "decrby", "del", "eval", "evalsha", "expire",
      "expireat", "fcall", "flushall", "flushdb", "function", "geoadd", "georadius",
      "georadiusbymember", "geosearchstore", "getdel", "getex", "getset", "hdel", "hexpire",
      "hexpireat", "hgetdel", "hgetex", "hincrby", "hincrbyfloat", "hmset", "hpersist", "hpexpire",
      "hpexpireat", "hset", "hsetex", "hsetnx", "incr", "incrby", "incrbyfloat", "linsert", "lmove",
      "lmpop", "lpop", "lpush", "lpushx", "lrem", "lset", "ltrim", "migrate", "move", "mset",
      "msetnx", "persist", "pexpire", "pexpireat", "pfadd", "pfdebug", "pfmerge", "psetex",
      "publish", "rename", "renamenx", "restore", "restore-asking", "rpop", "rpoplpush", "rpush",
      "rpushx", "sadd", "script", "sdiffstore", "set", "setbit", "setex", "setnx", "setrange",
      "sinterstore", "smove", "sort", "spop", "spublish", "srem", "sunionstore", "swapdb",
      "unlink", "xack", "xadd", "xautoclaim", "xclaim", "xdel", "xgroup", "xreadgroup", "xsetid",
      "xtrim", "zadd", "zdiffstore", "zincrby", "zinterstore", "zmpop", "zpopmax", "zpopmin",
      "zrangestore", "zrem", "zremrangebylex", "zremrangebyrank", "zremrangebyscore",
      "zunionstore");

  private CommandTable() {
  }

  /** The served command of that lower-case name (subcommands as {@code client|id}), or null. */
  static Spec get(String name) {
    Spec spec = COMMANDS.get(name);
    if (spec != null || name.indexOf('|') < 0) {
      return spec;
    }
    Spec parent = COMMANDS.get(name.substring(0, name.indexOf('|')));
    if (parent != null) {
      for (Spec sub : parent.subcommands()) {
        if (sub.name().equals(name)) {
          return sub;
        }
      }
    }
    return null;
  }

  static Iterable<Spec> all() {
    return COMMANDS.values();
  }

  static int count() {
    return COMMANDS.size();
  }

  private static void add(Spec spec) {
    COMMANDS.put(spec.name(), spec);
  }

  private static Spec connection(String name, int arity, String summary, List<Arg> args) {
    return new Spec(name, arity, List.of("fast"), 0, 0, List.of("@fast", "@connection"),
        summary, "1.0.0", "connection", args, List.of());
  }

  private static Spec server(String name, int arity, String summary, List<Arg> args) {
    return new Spec(name, arity, List.of("loading", "stale"), 0, 0, List.of("@slow", "@connection"),
        summary, "2.8.13", "server", args, List.of());
  }

  /** A command with subcommands; COMMAND alone lists every command, CLIENT needs a subcommand. */
  private static Spec container(String name, int arity, String summary, List<Spec> subcommands) {
    return new Spec(name, arity, List.of(), 0, 0, List.of("@slow"), summary, "2.4.0",
        name.equals("client") ? "connection" : "server", List.of(), subcommands);
  }
}
