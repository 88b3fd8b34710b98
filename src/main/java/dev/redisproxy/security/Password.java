package dev.redisproxy.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The password clients must present ({@code PROXY_PASSWORD}). Only its SHA-256 digest is kept,
 * computed once at start-up; an offered password is digested and the two digests compared with
 * {@link MessageDigest#isEqual}, in time that does not depend on where they differ, nor (the
 * digests being of fixed size) on the length of either password. {@link #toString} never shows
 * anything of it.
 */
public final class Password {

  private final byte[] digest;

  private Password(byte[] digest) {
    this.digest = digest;
  }

  public static Password of(String secret) {
    return new Password(sha256().digest(secret.getBytes(StandardCharsets.UTF_8)));
  }

  /** A verifier for one event loop: it holds a {@link MessageDigest}, which is not thread-safe. */
  public Verifier verifier() {
    return new Verifier();
  }

  @Override
  public String toString() {
    return "(secret)";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Checks offered passwords against this one; one per front-end verticle instance. */
  public final class Verifier {

    private final MessageDigest sha = sha256();

    public boolean matches(byte[] offered) {
      return MessageDigest.isEqual(digest, sha.digest(offered));
    }
  }
}
