package dev.redisproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * JDK {@link SSLContext}s for test clients, straight from the PEM files of {@link TestCertificates}:
 * trusting one CA, and optionally presenting a client certificate (an EC key in PKCS#8, as
 * {@code openssl req -newkey ec -nodes} writes it).
 */
public final class TlsClients {

  private static final char[] NO_PASSWORD = new char[0];

  private TlsClients() {
  }

  /** Trusts certificates signed by {@code caCert}; presents no certificate of its own. */
  public static SSLContext trusting(Path caCert) throws IOException, GeneralSecurityException {
    return context(caCert, null, null);
  }

  /** Trusts {@code caCert} and presents {@code clientCert} with its key. */
  public static SSLContext withClientCertificate(Path caCert, Path clientCert, Path clientKey)
      throws IOException, GeneralSecurityException {
    return context(caCert, clientCert, clientKey);
  }

  private static SSLContext context(Path caCert, Path clientCert, Path clientKey)
      throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", certificate(caCert));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", privateKey(clientKey), NO_PASSWORD, new Certificate[] {certificate(clientCert)});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, NO_PASSWORD);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  private static Certificate certificate(Path pem) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem);
    if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new IOException(pem + " is not a PKCS#8 PEM key");
    }
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }
}
