package dev.redisproxy.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Generated and mutated RESP request frames, for fuzzing the parser in-process and the running
 * proxy over sockets. Valid frames are multibulk or inline requests with random (often binary)
 * arguments, occasionally around the parser's size thresholds; mutations flip bits, insert,
 * delete, replace and duplicate bytes, truncate, swap length fields for boundary values and break
 * line ends, so the result may or may not still be valid.
 */
public final class RespFrames {

  private static final byte[] SPECIAL = "*$\r\n\"'\\ -0123456789+:\t".getBytes(StandardCharsets.ISO_8859_1);
  private static final String[] BOUNDARY_NUMBERS = {"-1", "-2", "0", "00", "01", "+1", "", "x", " 1",
      "2147483647", "2147483648", "9223372036854775807", "99999999999999999999", "1048576", "1048577",
      "65536", "65537", "16777216"};

  private RespFrames() {
  }

  /** Bytes to parse, how many frames they hold, and the commands the leading valid frames must give. */
  public record Stream(byte[] bytes, int frames, List<byte[][]> expected) {
  }

  /** Up to seven valid frames, then one mutated frame (or random garbage), and half the time one valid frame more. */
  public static Stream stream(Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<byte[][]> expected = new ArrayList<>();
    int valid = random.nextInt(8);
    for (int i = 0; i < valid; i++) {
      byte[][] args = args(random);
      out.writeBytes(random.nextInt(4) == 0 && inlineable(args) ? inline(args, random) : multibulk(args));
      expected.add(args);
    }
    out.writeBytes(mutate(random.nextInt(10) == 0 ? garbage(random) : frame(random), random));
    int frames = valid + 1;
    if (random.nextBoolean()) {
      out.writeBytes(frame(random));
      frames++;
    }
    return new Stream(out.toByteArray(), frames, expected);
  }

  /** One valid frame: a multibulk request, or an inline one when the arguments allow. */
  public static byte[] frame(Random random) {
    byte[][] args = args(random);
    return random.nextInt(4) == 0 && inlineable(args) ? inline(args, random) : multibulk(args);
  }

  private static byte[][] args(Random random) {
    byte[][] args = new byte[1 + random.nextInt(random.nextInt(20) == 0 ? 40 : 5)][];
    String[] names = {"GET", "MGET", "PING", "ECHO", "SET", "INFO", "CLIENT", "HELLO", "get", "QUIT"};
    args[0] = names[random.nextInt(names.length)].getBytes(StandardCharsets.US_ASCII);
    for (int i = 1; i < args.length; i++) {
      int size = switch (random.nextInt(10_000)) {
        case 0 -> 64 * 1024 + random.nextInt(3) - 1; // around the parser's eager allocation
        case 1 -> 1 + random.nextInt(200_000);
        default -> random.nextInt(random.nextBoolean() ? 8 : 40);
      };
      args[i] = new byte[size];
      if (random.nextBoolean()) {
        random.nextBytes(args[i]);
      } else {
        for (int b = 0; b < size; b++) {
          args[i][b] = (byte) ('a' + random.nextInt(26));
        }
      }
    }
    return args;
  }

  public static byte[] multibulk(byte[][] args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ascii("*" + args.length + "\r\n"));
    for (byte[] arg : args) {
      out.writeBytes(ascii("$" + arg.length + "\r\n"));
      out.writeBytes(arg);
      out.writeBytes(ascii("\r\n"));
    }
    return out.toByteArray();
  }

  /** Inline form, for arguments that are short, non-empty and letters only; plain or quoted. */
  private static boolean inlineable(byte[][] args) {
    for (byte[] arg : args) {
      if (arg.length == 0 || arg.length > 1000) {
        return false;
      }
      for (byte b : arg) {
        if (b < 'A' || b > 'z' || (b > 'Z' && b < 'a')) {
          return false;
        }
      }
    }
    return true;
  }

  private static byte[] inline(byte[][] args, Random random) {
    StringBuilder line = new StringBuilder(random.nextBoolean() ? "" : "  ");
    for (byte[] arg : args) {
      String text = new String(arg, StandardCharsets.US_ASCII);
      line.append(switch (random.nextInt(3)) {
        case 0 -> "\"" + text + "\"";
        case 1 -> "'" + text + "'";
        default -> text;
      }).append(random.nextBoolean() ? " " : " \t ");
    }
    return ascii(line.append(random.nextBoolean() ? "\r\n" : "\n").toString());
  }

  /** Fragments of RESP and random bytes glued together. */
  private static byte[] garbage(Random random) {
    String[] pieces = {"*", "$", "\r\n", "\r", "\n", "-1", "0", "*2\r\n", "$3\r\n", "GET", "\"", "'", "\\x", " "};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0, n = 1 + random.nextInt(30); i < n; i++) {
      if (random.nextInt(3) == 0) {
        out.write(random.nextInt(256));
      } else {
        out.writeBytes(ascii(pieces[random.nextInt(pieces.length)]));
      }
    }
    return out.toByteArray();
  }

  /** The frame with one to three mutations; it may still be valid. */
  public static byte[] mutate(byte[] frame, Random random) {
    byte[] out = frame;
    for (int i = 0, n = 1 + random.nextInt(3); i < n && out.length > 0; i++) {
      int at = random.nextInt(out.length);
      out = switch (random.nextInt(9)) {
        case 0 -> flipBit(out, at, random);
        case 1 -> replace(out, at, (byte) random.nextInt(256));
        case 2 -> replace(out, at, SPECIAL[random.nextInt(SPECIAL.length)]);
        case 3 -> insert(out, at, SPECIAL[random.nextInt(SPECIAL.length)]);
        case 4 -> delete(out, at);
        case 5 -> Arrays.copyOf(out, at);
        case 6 -> swapNumber(out, random);
        case 7 -> duplicate(out, at, random);
        default -> breakLineEnd(out, random);
      };
    }
    return out;
  }

  private static byte[] flipBit(byte[] in, int at, Random random) {
    byte[] out = in.clone();
    out[at] ^= (byte) (1 << random.nextInt(8));
    return out;
  }

  private static byte[] replace(byte[] in, int at, byte b) {
    byte[] out = in.clone();
    out[at] = b;
    return out;
  }

  private static byte[] insert(byte[] in, int at, byte b) {
    byte[] out = new byte[in.length + 1];
    System.arraycopy(in, 0, out, 0, at);
    out[at] = b;
    System.arraycopy(in, at, out, at + 1, in.length - at);
    return out;
  }

  private static byte[] delete(byte[] in, int at) {
    byte[] out = new byte[in.length - 1];
    System.arraycopy(in, 0, out, 0, at);
    System.arraycopy(in, at + 1, out, at, in.length - at - 1);
    return out;
  }

  private static byte[] duplicate(byte[] in, int at, Random random) {
    int len = Math.min(in.length - at, 1 + random.nextInt(16));
    byte[] out = new byte[in.length + len];
    System.arraycopy(in, 0, out, 0, at + len);
    System.arraycopy(in, at, out, at + len, in.length - at);
    return out;
  }

  /** Replaces the number after one of the frame's '*' or '$' with a boundary value. */
  private static byte[] swapNumber(byte[] in, Random random) {
    List<Integer> headers = new ArrayList<>();
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '*' || in[i] == '$') {
        headers.add(i);
      }
    }
    if (headers.isEmpty()) {
      return in;
    }
    int start = headers.get(random.nextInt(headers.size())) + 1;
    int end = start;
    while (end < in.length && in[end] != '\r' && in[end] != '\n') {
      end++;
    }
    byte[] number = ascii(BOUNDARY_NUMBERS[random.nextInt(BOUNDARY_NUMBERS.length)]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(in, 0, start);
    out.writeBytes(number);
    out.write(in, end, in.length - end);
    return out.toByteArray();
  }

  /** Turns one CRLF into LF, CR, LFCR or nothing. */
  private static byte[] breakLineEnd(byte[] in, Random random) {
    List<Integer> crlfs = new ArrayList<>();
    for (int i = 0; i + 1 < in.length; i++) {
      if (in[i] == '\r' && in[i + 1] == '\n') {
        crlfs.add(i);
      }
    }
    if (crlfs.isEmpty()) {
      return in;
    }
    int at = crlfs.get(random.nextInt(crlfs.size()));
    String[] ends = {"\n", "\r", "\n\r", ""};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(in, 0, at);
    out.writeBytes(ascii(ends[random.nextInt(ends.length)]));
    out.write(in, at + 2, in.length - at - 2);
    return out.toByteArray();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
