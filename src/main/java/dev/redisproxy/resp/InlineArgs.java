package dev.redisproxy.resp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline request line into arguments the way Redis's {@code sdssplitargs} does:
 * whitespace separates arguments; {@code "..."} understands {@code \n \r \t \b \a \\ \"} and
 * {@code \xHH}; {@code '...'} understands only {@code \'}; a closing quote must be followed by
 * whitespace or the end of the line. This is how {@code telnet} and {@code nc} users talk to Redis.
 */
final class InlineArgs {

  private InlineArgs() {
  }

  /** The arguments; empty for a blank line. */
  static byte[][] split(byte[] line) {
    List<byte[]> out = new ArrayList<>();
    int p = 0;
    // Redis reads the line as a C string: a NUL ends it.
    int n = 0;
    while (n < line.length && line[n] != 0) {
      n++;
    }
    while (true) {
      while (p < n && isSpace(line[p])) {
        p++;
      }
      if (p == n) {
        return out.toArray(new byte[0][]);
      }
      ByteArrayOutputStream arg = new ByteArrayOutputStream();
      p = readArg(line, p, n, arg);
      out.add(arg.toByteArray());
    }
  }

  /** Reads one argument starting at {@code p}; returns the index after it. */
  private static int readArg(byte[] s, int p, int n, ByteArrayOutputStream arg) {
    boolean inDouble = false;
    boolean inSingle = false;
    while (true) {
      if (inDouble || inSingle) {
        if (p == n) {
          throw new RespProtocolException("unbalanced quotes in request");
        }
        byte c = s[p];
        if (inDouble && c == '\\' && p + 3 < n && s[p + 1] == 'x' && isHex(s[p + 2]) && isHex(s[p + 3])) {
          arg.write(Character.digit(s[p + 2], 16) << 4 | Character.digit(s[p + 3], 16));
          p += 4;
          continue;
        }
        if (c == '\\' && p + 1 < n && (inDouble || s[p + 1] == '\'')) {
          arg.write(inDouble ? unescape(s[p + 1]) : '\'');
          p += 2;
          continue;
        }
        if (c == (inDouble ? '"' : '\'')) {
          if (p + 1 < n && !isSpace(s[p + 1])) {
            throw new RespProtocolException("unbalanced quotes in request");
          }
          return p + 1;
        }
        arg.write(c);
        p++;
        continue;
      }
      if (p == n || isSpace(s[p])) {
        return p;
      }
      byte c = s[p++];
      if (c == '"') {
        inDouble = true;
      } else if (c == '\'') {
        inSingle = true;
      } else {
        arg.write(c);
      }
    }
  }

  private static int unescape(byte c) {
    return switch (c) {
      case 'n' -> '\n';
      case 'r' -> '\r';
      case 't' -> '\t';
      case 'b' -> '\b';
      case 'a' -> 7;
      default -> c;
    };
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
  }

  private static boolean isHex(byte c) {
    return Character.digit(c, 16) >= 0;
  }
}
