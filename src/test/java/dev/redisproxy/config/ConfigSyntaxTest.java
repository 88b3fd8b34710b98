package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.config.Variable.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every variable of a kind (boolean, duration, size, port, number, file) takes the same syntax and
 * is refused with the same message, its own name in front: each value below is tried in every
 * variable of its kind, through the whole loader.
 */
class ConfigSyntaxTest {

  private static final long HEAP = 4L << 30;

  private static final Map<Variable, Function<ProxyConfig, Object>> BOOLEANS = Map.of(
      Variable.ACCESS_LOG, ProxyConfig::accessLog,
      Variable.HOTKEYS, ProxyConfig::hotKeys,
      Variable.REDIS_TLS, c -> c.backend().tls() != null,
      Variable.REDIS_TLS_VERIFY_HOSTNAME, c -> c.backend().tls().verifyHostname());

  private static final Map<Variable, Function<ProxyConfig, Object>> DURATIONS = Map.of(
      Variable.CACHE_TTL, ProxyConfig::cacheTtl,
      Variable.CACHE_NEGATIVE_TTL, ProxyConfig::cacheNegativeTtl,
      Variable.CACHE_STALE_IF_ERROR, ProxyConfig::cacheStaleIfError,
      Variable.REDIS_TIMEOUT, ProxyConfig::redisTimeout,
      Variable.CLIENT_IDLE_TIMEOUT, ProxyConfig::clientIdleTimeout);

  /** Durations where zero would mean nothing works, rather than "off". */
  private static final Set<Variable> POSITIVE = Set.of(Variable.CACHE_TTL, Variable.REDIS_TIMEOUT, Variable.CLIENT_IDLE_TIMEOUT);

  private static final Map<Variable, Function<ProxyConfig, Object>> SIZES = Map.of(
      Variable.CACHE_MAXMEMORY, ProxyConfig::cacheMaxMemory);

  private static final Map<Variable, Function<ProxyConfig, Object>> PORTS = Map.of(
      Variable.REDIS_PORT, c -> Integer.parseInt(c.backend().endpoints().get(0).replaceAll(".*:", "")),
      Variable.PROXY_PORT, ProxyConfig::proxyPort,
      Variable.RESP_PORT, ProxyConfig::respPort);

  /** How a test reads each variable of the kinds above back from the loaded configuration. */
  private static final Map<Variable, Function<ProxyConfig, Object>> READ = Stream.of(BOOLEANS, DURATIONS, SIZES, PORTS)
      .flatMap(m -> m.entrySet().stream()).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

  @TempDir
  static Path dir;

  @Test
  void everyVariableOfAKindIsCoveredHere() {
    assertThat(BOOLEANS.keySet()).containsExactlyInAnyOrderElementsOf(ofKind(Kind.BOOLEAN));
    assertThat(DURATIONS.keySet()).containsExactlyInAnyOrderElementsOf(ofKind(Kind.DURATION));
    assertThat(SIZES.keySet()).containsExactlyInAnyOrderElementsOf(ofKind(Kind.SIZE));
    assertThat(PORTS.keySet()).containsExactlyInAnyOrderElementsOf(ofKind(Kind.PORT));
  }

  /** Each value in every variable of its kind reads as {@code expected}. */
  @ParameterizedTest(name = "{0}={1}")
  @MethodSource({"booleans", "durations", "sizes", "ports"})
  void acceptedForms(Variable v, String text, Object expected) {
    assertThat(READ.get(v).apply(load(v, text))).isEqualTo(expected);
  }

  static Stream<Arguments> booleans() {
    return cross(BOOLEANS, "true", true, "TRUE", true, " Yes ", true, "on", true, "1", true,
        "false", false, "No", false, "OFF", false, "0", false);
  }

  static Stream<Arguments> durations() {
    return cross(DURATIONS, "250ms", Duration.ofMillis(250), "30s", Duration.ofSeconds(30), "5m", Duration.ofMinutes(5),
        "1h", Duration.ofHours(1), "3600", Duration.ofHours(1), " 7 ", Duration.ofSeconds(7), "2M", Duration.ofMinutes(2),
        "100MS", Duration.ofMillis(100));
  }

  @Test
  void zeroIsOffWhereItCanBeAndRefusedElsewhere() {
    for (Variable v : DURATIONS.keySet()) {
      if (POSITIVE.contains(v)) {
        assertRefused(v, "0ms", "must be greater than zero");
      } else {
        assertThat(DURATIONS.get(v).apply(load(v, "0"))).as(v.name()).isEqualTo(Duration.ZERO);
      }
    }
  }

  static Stream<Arguments> sizes() {
    return cross(SIZES, "2000b", 2000L, "512kb", 512L << 10, "64mb", 64L << 20, "1gb", 1L << 30, "1GB", 1L << 30,
        "12345", 12345L, " 2Mb ", 2L << 20);
  }

  static Stream<Arguments> ports() {
    return cross(PORTS, "1", 1, "6379", 6379, " 65535 ", 65535);
  }

  @Test
  void portZeroOnlyWhereItMeansOff() {
    assertThat(load(Variable.RESP_PORT, "0").respPort()).isZero();
    assertRefused(Variable.PROXY_PORT, "0", "0 is out of range (1..65535)");
    assertRefused(Variable.REDIS_PORT, "0", "0 is out of range (1..65535)");
  }

  static Stream<Arguments> refusals() {
    Stream.Builder<Arguments> out = Stream.builder();
    refuse(out, Kind.BOOLEAN, "'%s' is not a boolean (use true/false, yes/no, on/off or 1/0)",
        "maybe", "", "2", "y", "t", "enabled");
    refuse(out, Kind.DURATION, "'%s' is not a duration (use a number of seconds, or 250ms, 30s, 5m, 1h)",
        "abc", "", "-1", "1.5s", "5 m", "1d", "ms");
    refuse(out, Kind.DURATION, "'%s' is longer than 8760h (a year)", "8761h", "31536001");
    refuse(out, Kind.SIZE, "'%s' is not a size (use a number of bytes, or 100b, 512kb, 64mb, 1gb)",
        "abc", "-1", "1tb", "1.5gb", "1k", "1m", "64 mb", "mb");
    refuse(out, Kind.PORT, "'%s' is not a port (1..65535", "abc", "", "-1", "1.5", "123456");
    refuse(out, Kind.PORT, "%s is out of range (1..65535", "70000", "65536");
    refuse(out, Kind.NUMBER, "'%s' is not a whole number", "ten", "1.5", "0x10", "1e3");
    return out.build();
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("refusals")
  void badValuesAreRefusedAlikeInEveryVariableOfTheKind(Variable v, String text, String message) {
    assertRefused(v, text, message);
  }

  static Stream<Arguments> files() throws IOException {
    Files.createDirectories(dir);
    Path missing = dir.resolve("missing.pem");
    Path binary = Files.write(dir.resolve("binary.der"), new byte[] {0x30, (byte) 0x82, (byte) 0xff, (byte) 0xfe});
    Path large = Files.write(dir.resolve("large.pem"), new byte[(1 << 20) + 1]);
    Stream.Builder<Arguments> out = Stream.builder();
    for (Variable v : ofKind(Kind.FILE)) {
      out.add(Arguments.of(v, missing.toString(), "no such file: " + missing));
      out.add(Arguments.of(v, dir.toString(), "no such file: " + dir));
      out.add(Arguments.of(v, binary.toString(), binary + " is not text (UTF-8 or ASCII, as PEM files are)"));
      out.add(Arguments.of(v, large.toString(), large + " is larger than 1mb"));
    }
    return out.build();
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("files")
  void badFilesAreRefusedAlikeInEveryFileVariable(Variable v, String text, String message) throws IOException {
    assertRefused(v, text, message);
  }

  static Stream<Arguments> pemFiles() {
    return Stream.of(Variable.REDIS_TLS_CA, Variable.REDIS_TLS_CERT, Variable.REDIS_TLS_KEY,
        Variable.PROXY_TLS_CERT, Variable.PROXY_TLS_KEY, Variable.PROXY_TLS_CLIENT_CA).map(Arguments::of);
  }

  /** The one PEM reader: no encrypted key in any PEM variable, and each holds its block. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("pemFiles")
  void pemFilesAreCheckedAlike(Variable v) throws IOException {
    boolean key = v.name().endsWith("_KEY");
    Path encrypted = write("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----\n");
    Path legacy = write("legacy.pem", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIE\n"
        + "-----END RSA PRIVATE KEY-----\n");
    Path other = key ? cert() : privateKey();
    assertRefused(v, encrypted.toString(), encrypted + " holds an encrypted private key; give it unencrypted");
    assertRefused(v, legacy.toString(), legacy + " holds an encrypted private key; give it unencrypted");
    assertRefused(v, other.toString(), other + " is not a PEM file with a " + (key ? "PRIVATE KEY" : "CERTIFICATE") + " block");
    if (key) {
      for (String type : new String[] {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}) {
        load(v, write("k.pem", "-----BEGIN " + type + "-----\nMIIE\n-----END " + type + "-----\n").toString());
      }
    } else {
      load(v, cert().toString());
    }
  }

  @Test
  void aVariableIsParsedOnceAndByItsKindOnly() {
    Map<Variable, String> values = new EnumMap<>(Variable.class);
    values.put(Variable.ACCESS_LOG, "true");
    Settings s = new Settings(values);
    assertThatThrownBy(() -> s.text(Variable.ACCESS_LOG)).isInstanceOf(IllegalStateException.class);
    assertThat(s.bool(Variable.ACCESS_LOG)).isTrue();
    assertThatThrownBy(() -> s.bool(Variable.ACCESS_LOG)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("parsed twice");
  }

  private static void assertRefused(Variable v, String text, String message) {
    assertThatThrownBy(() -> load(v, text))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(v.name() + ": " + message);
  }

  /** Loads with the variable set, and the others it needs to be read at all (TLS on, the other half of a pair). */
  private static ProxyConfig load(Variable v, String text) {
    Map<String, String> env = new HashMap<>();
    try {
      switch (v) {
        case REDIS_TLS_VERIFY_HOSTNAME, REDIS_TLS_CA -> env.put("REDIS_TLS", "true");
        case REDIS_TLS_CERT -> env.putAll(Map.of("REDIS_TLS", "true", "REDIS_TLS_KEY", privateKey().toString()));
        case REDIS_TLS_KEY -> env.putAll(Map.of("REDIS_TLS", "true", "REDIS_TLS_CERT", cert().toString()));
        case PROXY_TLS_CERT -> env.put("PROXY_TLS_KEY", privateKey().toString());
        case PROXY_TLS_KEY -> env.put("PROXY_TLS_CERT", cert().toString());
        case PROXY_TLS_CLIENT_CA -> env.putAll(Map.of("PROXY_TLS_CERT", cert().toString(), "PROXY_TLS_KEY",
            privateKey().toString()));
        case CACHE_TTL -> env.put("CACHE_NEGATIVE_TTL", "0");
        case CACHE_NEGATIVE_TTL -> env.put("CACHE_TTL", "8760h");
        default -> {
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    env.put(v.name(), text);
    return ConfigLoader.load(null, env, HEAP);
  }

  private static Path cert() throws IOException {
    return write("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  }

  private static Path privateKey() throws IOException {
    return write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  }

  private static Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static List<Variable> ofKind(Kind kind) {
    return Arrays.stream(Variable.values()).filter(v -> v.kind == kind).toList();
  }

  /** Every variable of the map with every (text, expected value) pair. */
  private static Stream<Arguments> cross(Map<Variable, Function<ProxyConfig, Object>> variables, Object... pairs) {
    Stream.Builder<Arguments> out = Stream.builder();
    for (Variable v : variables.keySet()) {
      for (int i = 0; i < pairs.length; i += 2) {
        out.add(Arguments.of(v, pairs[i], pairs[i + 1]));
      }
    }
    return out.build();
  }

  private static void refuse(Stream.Builder<Arguments> out, Kind kind, String message, String... texts) {
    for (Variable v : ofKind(kind)) {
      for (String text : texts) {
        out.add(Arguments.of(v, text, String.format(message, text)));
      }
    }
  }
}
