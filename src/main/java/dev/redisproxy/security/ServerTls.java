package dev.redisproxy.security;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * TLS for a listener, the same for HTTP and RESP: with {@code PROXY_TLS_CERT} set the server
 * speaks TLS only (Vert.x's defaults: TLS 1.2 and 1.3), so a plain connection fails the handshake
 * and is closed before any request is read; with {@code PROXY_TLS_CLIENT_CA} a client must also
 * present a certificate that chains to one of those CAs.
 */
public final class ServerTls {

  private ServerTls() {
  }

  /** Sets up TLS on the options when the configuration asks for it; returns them. */
  public static <T extends NetServerOptions> T apply(T options, SecurityConfig security) {
    if (!security.tls()) {
      return options;
    }
    options.setSsl(true);
    options.setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(security.tlsCert().toString())
        .setKeyPath(security.tlsKey().toString()));
    if (security.tlsClientCa() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(security.tlsClientCa().toString()));
      options.setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }
}
