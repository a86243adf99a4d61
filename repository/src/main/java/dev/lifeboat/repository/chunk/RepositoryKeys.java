package dev.lifeboat.repository.chunk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A repository's keys. The data key is random, made when the repository is created, and stored only
 * wrapped (AES-256-GCM) by the master key from configuration; changing the master key re-wraps it
 * without touching any chunk. From the data key two purpose keys are derived (HMAC-SHA256): one that
 * names chunks (a keyed hash, so the store cannot confirm guessed content) and one that encrypts them.
 */
public final class RepositoryKeys {
  private static final int NONCE = 12;
  private final byte[] idKey;
  private final byte[] encryptionKey;

  private RepositoryKeys(byte[] dataKey) {
    this.idKey = derive(dataKey, "lifeboat chunk id v1");
    this.encryptionKey = derive(dataKey, "lifeboat chunk encryption v1");
  }

  /** A new random data key, returned with its wrapped form for the repository config. */
  public static Created create(byte[] masterKey, String repositoryId) {
    byte[] dataKey = new byte[32];
    new SecureRandom().nextBytes(dataKey);
    return new Created(new RepositoryKeys(dataKey), wrap(masterKey, dataKey, repositoryId));
  }

  /** The keys of an existing repository; a wrong master key fails with a message saying so. */
  public static RepositoryKeys unwrap(byte[] masterKey, byte[] wrapped, String repositoryId) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(checked(masterKey), "AES"), new GCMParameterSpec(128, wrapped, 0, NONCE));
      cipher.updateAAD(aad(repositoryId));
      return new RepositoryKeys(cipher.doFinal(wrapped, NONCE, wrapped.length - NONCE));
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException("the master key does not open repository " + repositoryId
          + " (a different key, or its config was altered)", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The wrapped data key and the keys it gives. */
  public record Created(RepositoryKeys keys, byte[] wrappedDataKey) {}

  byte[] idKey() {
    return idKey;
  }

  byte[] encryptionKey() {
    return encryptionKey;
  }

  private static byte[] wrap(byte[] masterKey, byte[] dataKey, String repositoryId) {
    try {
      byte[] nonce = new byte[NONCE];
      new SecureRandom().nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(checked(masterKey), "AES"), new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad(repositoryId));
      byte[] sealed = cipher.doFinal(dataKey);
      return ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] aad(String repositoryId) {
    return ("lifeboat repository " + repositoryId).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] checked(byte[] masterKey) {
    if (masterKey.length != 32) {
      throw new IllegalArgumentException("the master key must be 32 bytes (AES-256), was " + masterKey.length);
    }
    return masterKey;
  }

  private static byte[] derive(byte[] key, String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "RepositoryKeys[***]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RepositoryKeys k && Arrays.equals(k.idKey, idKey);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(idKey);
  }
}
