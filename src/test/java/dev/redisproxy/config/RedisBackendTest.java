package dev.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redisproxy.config.RedisBackend.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the REDIS_* variables choose and describe the deployment, and how bad combinations are refused. */
class RedisBackendTest {

  @TempDir
  Path dir;

  private static RedisBackend load(String... nameValue) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      env.put(nameValue[i], nameValue[i + 1]);
    }
    return ConfigLoader.load(null, env).backend();
  }

  @Test
  void defaultIsOneServerWithoutTlsAndTheStandalonePool() {
    RedisBackend b = load();
    assertThat(b.mode()).isEqualTo(Mode.STANDALONE);
    assertThat(b.endpoints()).containsExactly("redis://localhost:6379");
    assertThat(b.tls()).isNull();
    assertThat(b.user()).isNull();
    assertThat(b.password()).isNull();
    assertThat(b.poolSize()).isEqualTo(2);
    assertThat(b.poolWaiting()).isEqualTo(4096);
  }

  @Test
  void sentinelsWithAMasterName() {
    RedisBackend b = load("REDIS_SENTINELS", " 10.0.0.1:26379, sentinel-2:26380 ", "REDIS_MASTER_NAME", "mymaster",
        "REDIS_PASSWORD", "pw");
    assertThat(b.mode()).isEqualTo(Mode.SENTINEL);
    assertThat(b.endpoints()).containsExactly("redis://10.0.0.1:26379", "redis://sentinel-2:26380");
    assertThat(b.masterName()).isEqualTo("mymaster");
    assertThat(b.poolSize()).isEqualTo(2);
    assertThat(b.address()).isEqualTo("master 'mymaster' of sentinels 10.0.0.1:26379,sentinel-2:26380");
  }

  @Test
  void clusterNodesWithTlsAndAnIpv6Seed() {
    RedisBackend b = load("REDIS_CLUSTER_NODES", "node-1:7000,[::1]:7001", "REDIS_TLS", "true");
    assertThat(b.mode()).isEqualTo(Mode.CLUSTER);
    assertThat(b.endpoints()).containsExactly("rediss://node-1:7000", "rediss://[::1]:7001");
    assertThat(b.poolSize()).as("the cluster default").isEqualTo(3);
    assertThat(b.tls()).isNotNull();
    assertThat(b.tls().verifyHostname()).isTrue();
    assertThat(b.address()).isEqualTo("cluster node-1:7000,[::1]:7001 over TLS");
  }

  @Test
  void redissOrRedisTlsTurnTlsOnForOneServer() {
    assertThat(load("REDIS_URL", "rediss://cache:6380").tls()).isNotNull();
    RedisBackend hostPort = load("REDIS_HOST", "cache", "REDIS_TLS", "yes");
    assertThat(hostPort.endpoints()).containsExactly("rediss://cache:6379");
    assertThat(hostPort.address()).isEqualTo("rediss://cache:6379");
  }

  @Test
  void poolSizesCanBeSet() {
    RedisBackend b = load("REDIS_POOL_SIZE", "32", "REDIS_POOL_WAITING", "100");
    assertThat(b.poolSize()).isEqualTo(32);
    assertThat(b.poolWaiting()).isEqualTo(100);
  }

  @Test
  void tlsFilesAreReadAtStartUp() throws IOException {
    Path ca = pem("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Path key = pem("client.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
    RedisBackend b = load("REDIS_URL", "rediss://cache:6380", "REDIS_TLS_CA", ca.toString(),
        "REDIS_TLS_CERT", ca.toString(), "REDIS_TLS_KEY", key.toString(), "REDIS_TLS_VERIFY_HOSTNAME", "false");
    assertThat(b.tls()).isEqualTo(new RedisTls(ca, ca, key, false));
  }

  @Test
  void secretsNeverReachTheLogLine() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("REDIS_CLUSTER_NODES", "a:7000", "REDIS_USER", "reader",
        "REDIS_PASSWORD", "hunter2"));
    assertThat(c.describe().toString()).doesNotContain("hunter2");
    assertThat(c.backend().toString()).doesNotContain("hunter2").contains("reader");
    assertThat(c.describe()).containsEntry("REDIS", "cluster a:7000").containsEntry("REDIS_POOL_SIZE", "3");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "REDIS_SENTINELS|a:26379|REDIS_CLUSTER_NODES|b:7000|REDIS_CLUSTER_NODES|cannot be combined with REDIS_SENTINELS",
      "REDIS_SENTINELS|a:26379|REDIS_POOL_SIZE|8|REDIS_MASTER_NAME|is required with REDIS_SENTINELS",
      "REDIS_MASTER_NAME|mymaster|REDIS_POOL_SIZE|8|REDIS_MASTER_NAME|only used with REDIS_SENTINELS",
      "REDIS_SENTINELS|a:26379|REDIS_URL|redis://x:1|REDIS_URL|cannot be combined with REDIS_SENTINELS",
      "REDIS_CLUSTER_NODES|a:7000|REDIS_URL|redis://x:1|REDIS_URL|cannot be combined with REDIS_CLUSTER_NODES",
      "REDIS_CLUSTER_NODES|a:7000|REDIS_POOL_SIZE|1|REDIS_POOL_SIZE|at least 2",
      "REDIS_URL|redis://x:1|REDIS_TLS|true|REDIS_TLS|use rediss://",
      "REDIS_URL|redis://u:p@x:1|REDIS_PASSWORD|pw|REDIS_PASSWORD|cannot be combined with credentials in REDIS_URL",
      "REDIS_USER|reader|REDIS_POOL_SIZE|8|REDIS_USER|needs REDIS_PASSWORD",
      "REDIS_TLS|maybe|REDIS_POOL_SIZE|8|REDIS_TLS|not a boolean",
      "REDIS_TLS_VERIFY_HOSTNAME|nah|REDIS_POOL_SIZE|8|REDIS_TLS_VERIFY_HOSTNAME|not a boolean",
      "REDIS_TLS_CA|/etc/ca.pem|REDIS_POOL_SIZE|8|REDIS_TLS_CA|TLS is off",
      "REDIS_TLS|true|REDIS_TLS_CA|/no/such/ca.pem|REDIS_TLS_CA|no such file",
      "REDIS_POOL_SIZE|0|REDIS_TLS|false|REDIS_POOL_SIZE|out of range",
      "REDIS_POOL_SIZE|many|REDIS_TLS|false|REDIS_POOL_SIZE|not a whole number",
      "REDIS_POOL_SIZE|64|REDIS_POOL_WAITING|10|REDIS_POOL_WAITING|less than REDIS_POOL_SIZE (64)",
  })
  void badCombinationsAreRefusedNamingTheVariable(String n1, String v1, String n2, String v2, String named, String problem) {
    assertThatThrownBy(() -> load(n1, v1, n2, v2))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(named + ": ")
        .hasMessageContaining(problem);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "host|is not host:port",
      "host:|is not host:port",
      ":6379|is not host:port",
      "host:abc|is not host:port",
      "a:1,,b:2|is not host:port",
      "::1:7000|is not host:port",
      "user@host:7000|is not host:port",
      "redis://host:7000|is not host:port",
      "host:70000|port out of range",
      "host:0|port out of range",
  })
  void badNodeListsAreRefused(String nodes, String problem) {
    assertThatThrownBy(() -> load("REDIS_CLUSTER_NODES", nodes))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("REDIS_CLUSTER_NODES: ")
        .hasMessageContaining(problem);
  }

  @Test
  void tlsFilesMustBePemAndComeInPairs() throws IOException {
    Path notPem = pem("ca.der", "binary junk");
    Path cert = pem("client.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Path encrypted = pem("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----\n");
    List<String> tls = List.of("REDIS_URL", "rediss://cache:6380");
    assertThatThrownBy(() -> load(with(tls, "REDIS_TLS_CA", notPem.toString())))
        .hasMessageStartingWith("REDIS_TLS_CA: ").hasMessageContaining("is not a PEM file");
    assertThatThrownBy(() -> load(with(tls, "REDIS_TLS_CERT", cert.toString())))
        .hasMessageStartingWith("REDIS_TLS_KEY: ").hasMessageContaining("set both or neither");
    assertThatThrownBy(() -> load(with(tls, "REDIS_TLS_CERT", cert.toString(), "REDIS_TLS_KEY", encrypted.toString())))
        .hasMessageStartingWith("REDIS_TLS_KEY: ").hasMessageContaining("encrypted");
  }

  private static String[] with(List<String> base, String... more) {
    List<String> all = new java.util.ArrayList<>(base);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private Path pem(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }
}
