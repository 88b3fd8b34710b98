package dev.redisproxy.config;

import dev.redisproxy.config.Variable.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one typed reader of the merged variables (defaults, file, environment). Each kind of value
 * has one method here, so every variable of a kind takes the same syntax and is refused with the
 * same message; a bad value throws {@link ConfigException} naming the variable. A variable is parsed
 * once: parsing it twice, or with the method of another kind, is a programming error.
 */
final class Settings {

  /** The words every boolean variable takes, in any case. */
  static final String BOOLEAN_WORDS = "true/false, yes/no, on/off or 1/0";

  /** Files given in the configuration are certificates, keys or a password: small. */
  private static final long MAX_FILE_BYTES = 1 << 20;

  private final Map<Variable, String> values;
  private final EnumSet<Variable> parsed = EnumSet.noneOf(Variable.class);

  Settings(Map<Variable, String> values) {
    this.values = values;
  }

  /** Whether the variable has a value other than white space; this does not parse it. */
  boolean isSet(Variable v) {
    return !values.get(v).isBlank();
  }

  /** The value without surrounding white space. */
  String text(Variable v) {
    return take(v, Kind.TEXT).trim();
  }

  /** The value exactly as given (passwords keep their spaces); null when empty. */
  String secret(Variable v) {
    String text = take(v, Kind.TEXT);
    return text.isEmpty() ? null : text;
  }

  /** A comma-separated list, each item trimmed; empty when unset; an empty item is refused. */
  List<String> list(Variable v) {
    String text = text(v);
    List<String> out = new ArrayList<>();
    if (text.isEmpty()) {
      return out;
    }
    for (String item : text.split(",", -1)) {
      if (item.isBlank()) {
        throw new ConfigException(v.name(), "'" + text + "' has an empty item");
      }
      out.add(item.trim());
    }
    return out;
  }

  /** One of the constants of an enum, by name in any case; the message lists them. */
  <E extends Enum<E>> E choice(Variable v, E[] constants) {
    String text = text(v);
    List<String> names = new ArrayList<>();
    for (E c : constants) {
      if (c.name().equalsIgnoreCase(text)) {
        return c;
      }
      names.add(c.name().toLowerCase(Locale.ROOT));
    }
    String last = names.remove(names.size() - 1);
    throw new ConfigException(v.name(), "'" + text + "' is not " + String.join(", ", names) + " or " + last);
  }

  boolean bool(Variable v) {
    String text = take(v, Kind.BOOLEAN);
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new ConfigException(v.name(), "'" + text + "' is not a boolean (use " + BOOLEAN_WORDS + ")");
    };
  }

  /** A duration of zero or more ({@link Durations}). */
  Duration duration(Variable v) {
    String text = take(v, Kind.DURATION);
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(v.name(), e.getMessage());
    }
  }

  Duration positiveDuration(Variable v) {
    Duration d = duration(v);
    if (d.isZero()) {
      throw new ConfigException(v.name(), "must be greater than zero");
    }
    return d;
  }

  /** A number of bytes ({@link Sizes}). */
  long size(Variable v) {
    String text = take(v, Kind.SIZE);
    try {
      return Sizes.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(v.name(), e.getMessage());
    }
  }

  /** A TCP port, 1..65535; or 0 where {@code zeroMeansOff}. */
  int port(Variable v, boolean zeroMeansOff) {
    String text = take(v, Kind.PORT).trim();
    String range = zeroMeansOff ? "1..65535, or 0 for off" : "1..65535";
    if (!text.matches("\\d{1,5}")) {
      throw new ConfigException(v.name(), "'" + text + "' is not a port (" + range + ")");
    }
    int port = Integer.parseInt(text);
    if (port > 65535 || (port == 0 && !zeroMeansOff)) {
      throw new ConfigException(v.name(), port + " is out of range (" + range + ")");
    }
    return port;
  }

  int number(Variable v, int min, int max) {
    String text = take(v, Kind.NUMBER).trim();
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(v.name(), "'" + text + "' is not a whole number");
    }
    if (value < min || value > max) {
      throw new ConfigException(v.name(), value + " is out of range (" + min + ".." + max + ")");
    }
    return (int) value;
  }

  /** A PEM file holding a block of that kind and no encrypted key; null when unset. */
  Path pem(Variable v, Pem block) {
    TextFile file = file(v);
    if (file == null) {
      return null;
    }
    block.check(v, file);
    return file.path();
  }

  /** A regular, readable file of UTF-8 text, read now; null when unset. */
  TextFile file(Variable v) {
    String name = take(v, Kind.FILE).trim();
    if (name.isEmpty()) {
      return null;
    }
    Path path = Path.of(name);
    if (!Files.isRegularFile(path)) {
      throw new ConfigException(v.name(), "no such file: " + path);
    }
    try {
      if (Files.size(path) > MAX_FILE_BYTES) {
        throw new ConfigException(v.name(), path + " is larger than " + Sizes.format(MAX_FILE_BYTES));
      }
      byte[] bytes = Files.readAllBytes(path);
      return new TextFile(path, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      throw new ConfigException(v.name(), path + " is not text (UTF-8 or ASCII, as PEM files are)");
    } catch (IOException e) {
      throw new ConfigException(v.name(), "cannot read " + path + ": " + e.getClass().getSimpleName());
    }
  }

  /** A file named by a variable, and what it holds. */
  record TextFile(Path path, String text) {

    /** Never the contents, which may be a password or a key. */
    @Override
    public String toString() {
      return path.toString();
    }
  }

  private String take(Variable v, Kind kind) {
    if (v.kind != kind) {
      throw new IllegalStateException(v + " is of kind " + v.kind + ", not " + kind);
    }
    if (!parsed.add(v)) {
      throw new IllegalStateException(v + " is parsed twice");
    }
    return values.get(v);
  }
}
