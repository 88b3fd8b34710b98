package dev.redisproxy.security;

import java.nio.file.Path;
import java.util.Map;

/**
 * Who may use the proxy, and over what: the client password, TLS on both listeners, and the
 * keys clients may read. Each part is off by default, and off means the proxy behaves as if it
 * did not exist. Read and checked by the configuration ({@code config.SecuritySettings}); holds no
 * password in clear (see {@link Password}), so printing the configuration shows none.
 *
 * @param password    what clients must present ({@code PROXY_PASSWORD} or {@code PROXY_PASSWORD_FILE}); null: no authentication
 * @param tlsCert     PEM certificate chain of both listeners ({@code PROXY_TLS_CERT}); null: plain TCP
 * @param tlsKey      PEM private key of {@code tlsCert} ({@code PROXY_TLS_KEY}); null when TLS is off
 * @param tlsClientCa PEM CA certificates that client certificates must chain to ({@code PROXY_TLS_CLIENT_CA});
 *                    null: no client certificate asked for
 * @param keyPatterns the keys clients may read ({@code KEY_PATTERNS}); null: every key
 */
public record SecurityConfig(Password password, Path tlsCert, Path tlsKey, Path tlsClientCa, KeyPatterns keyPatterns) {

  /** Every part off, as when none of the variables is set. */
  public static final SecurityConfig NONE = new SecurityConfig(null, null, null, null, null);

  /** True when clients must authenticate. */
  public boolean authRequired() {
    return password != null;
  }

  /** True when both listeners speak TLS only. */
  public boolean tls() {
    return tlsCert != null;
  }

  /** Adds the effective settings, without secrets, to the start-up log line's map. */
  public void describe(Map<String, String> out) {
    out.put("PROXY_PASSWORD", password == null ? "none" : "set");
    out.put("TLS", tlsCert == null ? "off" : tlsClientCa == null ? "on" : "on, client certificate required");
    out.put("KEY_PATTERNS", keyPatterns == null ? "all keys" : keyPatterns.toString());
  }
}
