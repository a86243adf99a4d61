package dev.lifeboat.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Checks of the PEM files {@code kafka.security.tls} names, made at start-up so a wrong mount fails
 * with the key and the path instead of an SSL error at the first connection. Only what Kafka's own
 * PEM reader accepts passes: certificates, and private keys in PKCS#8 ({@code BEGIN PRIVATE KEY},
 * or {@code BEGIN ENCRYPTED PRIVATE KEY} with the key password that decrypts it). A file's content
 * never appears in a message.
 */
final class PemChecks {
  static final String CERTIFICATE = "-----BEGIN CERTIFICATE-----";
  static final String PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----";
  static final String ENCRYPTED_PRIVATE_KEY = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
  private static final long MAX_BYTES = 1024 * 1024;

  private PemChecks() {}

  /** What is wrong with the file for its key, or null when it can be read and holds what it must. */
  static String problemWithCertificates(Path file) {
    String text;
    try {
      text = readable(file);
    } catch (Unreadable e) {
      return e.getMessage();
    }
    return text.contains(CERTIFICATE) ? null : "holds no PEM certificate (" + CERTIFICATE + ")";
  }

  /**
   * What is wrong with the private key file, or null.
   *
   * @param password the configured key password, or null: an encrypted key needs one that decrypts
   *     it, a plain key must have none (Kafka would try to decrypt it and fail)
   */
  static String problemWithPrivateKey(Path file, String password) {
    String text;
    try {
      text = readable(file);
    } catch (Unreadable e) {
      return e.getMessage();
    }
    if (text.contains(ENCRYPTED_PRIVATE_KEY)) {
      return password == null ? "holds an encrypted private key: set keyPassword too" : problemDecrypting(text, password);
    }
    if (text.contains(PRIVATE_KEY)) {
      return password != null ? "holds an unencrypted private key, but keyPassword is set: remove keyPassword" : null;
    }
    if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      return "holds a private key in PKCS#1/SEC1 form (BEGIN RSA/EC PRIVATE KEY), which Kafka cannot read: convert it to"
          + " PKCS#8 (`openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem`; cert-manager: privateKey.encoding: PKCS8)";
    }
    return "holds no PEM private key (" + PRIVATE_KEY + ")";
  }

  /**
   * Decrypts the key as Kafka's PEM reader does (the JDK's {@link EncryptedPrivateKeyInfo}, a
   * {@link SecretKeyFactory} named by the key's algorithm), so what fails here would fail in every
   * client: a wrong password, or an algorithm this JVM cannot use that way. Java 17 has no
   * SecretKeyFactory for PBES2, which {@code openssl pkcs8 -topk8} uses by default.
   */
  private static String problemDecrypting(String text, String password) {
    byte[] der;
    try {
      int begin = text.indexOf(ENCRYPTED_PRIVATE_KEY) + ENCRYPTED_PRIVATE_KEY.length();
      int end = text.indexOf("-----END ENCRYPTED PRIVATE KEY-----", begin);
      der = Base64.getMimeDecoder().decode(text.substring(begin, end < 0 ? text.length() : end));
    } catch (IllegalArgumentException e) {
      return "holds an encrypted private key that is not valid base64";
    }
    EncryptedPrivateKeyInfo info;
    try {
      info = new EncryptedPrivateKeyInfo(der);
    } catch (IOException e) {
      return "holds an encrypted private key that cannot be parsed: " + e.getMessage();
    }
    String algorithm = info.getAlgName();
    SecretKeyFactory factory;
    try {
      factory = SecretKeyFactory.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      return "is encrypted with " + algorithm + ", which Kafka cannot decrypt on this JVM (Java "
          + Runtime.version().feature() + "): re-encrypt it with a PBES1 scheme (`openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES`)"
          + " or mount it unencrypted from a Secret";
    }
    try {
      Cipher cipher = Cipher.getInstance(algorithm);
      cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
      info.getKeySpec(cipher);
      return null;
    } catch (GeneralSecurityException e) {
      return "cannot be decrypted with keyPassword (a wrong password?)";
    }
  }

  /** The file's text, for a client that needs the PEM itself; fails naming the key and the path. */
  static String read(Path file, String key) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(key + " = " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static String readable(Path file) throws Unreadable {
    if (!Files.exists(file)) {
      throw new Unreadable("does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new Unreadable("is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new Unreadable("is not readable by this process");
    }
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new Unreadable("is larger than 1 MiB: not a PEM file");
      }
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new Unreadable("cannot be read: " + e.getMessage());
    }
  }

  private static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }
}
