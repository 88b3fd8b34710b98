package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void defaultsMatchTheDesign() {
    ProxyConfig c = ConfigLoader.load(null, Map.of(), 256L << 20);
    assertThat(c.backend().endpoints()).containsExactly("redis://localhost:6379");
    assertThat(c.proxyPort()).isEqualTo(8080);
    assertThat(c.respPort()).isEqualTo(6380);
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.cacheMaxSize()).isEqualTo(1024);
    assertThat(c.maxParallel()).isEqualTo(1);
    assertThat(c.maxConnections()).isEqualTo(2048);
    assertThat(c.redisTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.cacheMaxMemory()).as("a quarter of the heap").isEqualTo(64L << 20);
    assertThat(c.cacheNegativeTtl()).isZero();
    assertThat(c.cacheStaleIfError()).isZero();
    assertThat(c.cacheInvalidation()).isEqualTo(CacheInvalidation.NONE);
    assertThat(c.trackingPrefixes()).isEmpty();
    assertThat(c.hotKeys()).isTrue();
    assertThat(c.warnings()).isEmpty();
    assertThat(c.accessLog()).as("access log off by default").isFalse();
    assertThat(c.logFormat()).isEqualTo(LogFormat.TEXT);
  }

  @Test
  void loggingSettingsAreReadFromTheEnvironmentIgnoringCase() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("ACCESS_LOG", "TRUE", "LOG_FORMAT", " Json "));
    assertThat(c.accessLog()).isTrue();
    assertThat(c.logFormat()).isEqualTo(LogFormat.JSON);
    assertThat(c.describe()).containsEntry("ACCESS_LOG", "true").containsEntry("LOG_FORMAT", "json");
  }

  @Test
  void loggingSettingsAreReadFromTheFile() throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"ACCESS_LOG\": true, \"LOG_FORMAT\": \"json\"}");
    ProxyConfig c = ConfigLoader.load(file, Map.of());
    assertThat(c.accessLog()).isTrue();
    assertThat(c.logFormat()).isEqualTo(LogFormat.JSON);
  }

  @Test
  void fileOverridesDefaultsAndEnvironmentOverridesFile() throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"PROXY_PORT\": 9000, \"CACHE_MAXSIZE\": 10, \"CACHE_TTL\": \"5m\"}");
    ProxyConfig c = ConfigLoader.load(file, Map.of("CACHE_MAXSIZE", "20", "UNRELATED", "x"));
    assertThat(c.proxyPort()).isEqualTo(9000);
    assertThat(c.cacheMaxSize()).isEqualTo(20);
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void theShippedConfigFileIsValidAndHoldsTheDefaults() {
    ProxyConfig shipped = ConfigLoader.load(Path.of("conf", "config.json"), Map.of());
    assertThat(shipped).isEqualTo(ConfigLoader.load(null, Map.of()));
  }

  @Test
  void redisUrlOverridesHostAndPortAndIsLoggedWithoutPassword() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("REDIS_URL", "redis://user:secret@cache.internal:6390/2"));
    assertThat(c.backend().endpoints()).containsExactly("redis://user:secret@cache.internal:6390/2");
    assertThat(c.redisAddress()).isEqualTo("redis://cache.internal:6390/2");
    assertThat(c.describe().toString()).doesNotContain("secret");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "CACHE_MAXSIZE|-1|out of range",
      "CACHE_MAXSIZE|300000000|out of range",
      "CACHE_MAXSIZE|ten|not a whole number",
      "PROXY_PORT|70000|out of range",
      "PROXY_PORT|0|out of range",
      "RESP_PORT|-5|is not a port",
      "REDIS_PORT|abc|is not a port",
      "CACHE_TTL|abc|not a duration",
      "CACHE_TTL|0|greater than zero",
      "CACHE_TTL|-3s|not a duration",
      "REDIS_TIMEOUT|1d|not a duration",
      "CLIENT_IDLE_TIMEOUT|0ms|greater than zero",
      "MAX_PARALLEL|0|out of range",
      "MAX_CONNECTIONS|0|out of range",
      "REDIS_HOST|' '|not a host name",
      "REDIS_URL|http://x:1|must start with redis://",
      "REDIS_URL|redis://host:1/abc|database must be a number",
      "CACHE_NEGATIVE_TTL|2h|is longer than CACHE_TTL (1h)",
      "RESP_PORT|8080|8080 is PROXY_PORT's too",
      "ACCESS_LOG|maybe|not a boolean (use true/false, yes/no, on/off or 1/0)",
      "ACCESS_LOG|''|not a boolean",
      "LOG_FORMAT|xml|'xml' is not text or json",
  })
  void badValuesAreRefusedNamingTheVariable(String name, String value, String problem) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(name + ": ")
        .hasMessageContaining(problem);
  }

  @Test
  void theEarlyLogFormatIsReadAsTheFullLoadReadsIt() {
    assertThat(ConfigLoader.earlyLogFormat(Map.of("LOG_FORMAT", " JSON "))).isEqualTo(LogFormat.JSON);
    assertThat(ConfigLoader.earlyLogFormat(Map.of("LOG_FORMAT", "text"))).isEqualTo(LogFormat.TEXT);
    assertThat(ConfigLoader.earlyLogFormat(Map.of("LOG_FORMAT", "xml"))).as("refused later, by the full load")
        .isEqualTo(LogFormat.TEXT);
    assertThat(ConfigLoader.earlyLogFormat(Map.of())).isEqualTo(LogFormat.TEXT);
  }

  @Test
  void aPasswordWithoutTlsIsLegalButWarned() {
    assertThat(ConfigLoader.load(null, Map.of("PROXY_PASSWORD", "pw")).warnings())
        .singleElement().asString().startsWith("PROXY_PASSWORD is set but TLS is off");
  }

  @Test
  void unknownKeysInTheFileAreRefused() throws IOException {
    assertFileRefused("{\"CACHE_MAXSIZ\": 10}").hasMessageStartingWith("CACHE_MAXSIZ: unknown setting");
  }

  @Test
  void aFileThatIsNotJsonIsRefused() throws IOException {
    assertFileRefused("PROXY_PORT=1").hasMessageContaining("not a JSON object");
  }

  /** Loading a config file of {@code content} fails as a bad setting does; the caller checks the message. */
  private AbstractThrowableAssert<?, ? extends Throwable> assertFileRefused(String content) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, content);
    return assertThatThrownBy(() -> ConfigLoader.load(file, Map.of())).isInstanceOf(ConfigException.class);
  }

  @Test
  void argumentsNameAConfigFile() throws IOException {
    Path file = dir.resolve("custom.json");
    Files.writeString(file, "{\"PROXY_PORT\": 9100}");
    assertThat(ConfigLoader.fromArgs(new String[] {"-conf", file.toString()}, Map.of()).proxyPort()).isEqualTo(9100);
    assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"-conf"}, Map.of()))
        .hasMessageStartingWith("-conf: ");
    assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"-conf", dir.resolve("none.json").toString()}, Map.of()))
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"--bogus"}, Map.of()))
        .hasMessageStartingWith("--bogus: unknown argument");
  }
}
