package dev.lifeboat.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS from the PEM files a Kubernetes Secret holds ({@code ca.crt}, {@code tls.crt}, {@code tls.key}),
 * with the JDK alone: a trust manager that trusts only the certificates of a CA file, and a server
 * context from a certificate chain and its unencrypted private key (PKCS#8 {@code PRIVATE KEY}, or an
 * RSA key in PKCS#1 {@code RSA PRIVATE KEY}, cert-manager's default encoding). Every failure names the
 * file and says what was expected; nothing read is ever put into a message.
 */
public final class PemFiles {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

  private PemFiles() {}

  /** The certificates of a PEM file; at least one, else the file is refused. */
  public static List<X509Certificate> certificates(Path file) {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(file)) {
        if (block.type().equals("CERTIFICATE")) {
          try (InputStream in = new ByteArrayInputStream(block.der())) {
            certificates.add((X509Certificate) factory.generateCertificate(in));
          }
        }
      }
    } catch (CertificateException | IOException e) {
      throw new IllegalArgumentException(file + " holds a certificate that cannot be read: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /** A trust manager that trusts the certificates of {@code caFile} and nothing else. */
  public static X509TrustManager trustManager(Path caFile) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      List<X509Certificate> certificates = certificates(caFile);
      for (int i = 0; i < certificates.size(); i++) {
        trust.setCertificateEntry("ca-" + i, certificates.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK offers no X.509 trust manager");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot trust the certificates of " + caFile + ": " + e.getMessage(), e);
    }
  }

  /** A client context that trusts the certificates of {@code caFile} and nothing else, and presents no certificate. */
  public static SSLContext clientContext(Path caFile) {
    return context(null, new TrustManager[] {trustManager(caFile)});
  }

  /**
   * A server context presenting the certificate chain of {@code certificateFile} (the server's
   * certificate first, then any intermediates) with the key of {@code keyFile}.
   */
  public static SSLContext serverContext(Path certificateFile, Path keyFile) {
    List<X509Certificate> chain = certificates(certificateFile);
    PrivateKey key = privateKey(keyFile);
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, chain.toArray(Certificate[]::new));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      return context(keys, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the key of " + keyFile + " does not go with the certificate of "
          + certificateFile + ": " + e.getMessage(), e);
    }
  }

  /** The unencrypted private key of a PEM file: PKCS#8 (RSA, EC or Ed25519) or PKCS#1 RSA. */
  public static PrivateKey privateKey(Path file) {
    for (Block block : blocks(file)) {
      byte[] pkcs8 = switch (block.type()) {
        case "PRIVATE KEY" -> block.der();
        case "RSA PRIVATE KEY" -> pkcs1ToPkcs8(block.der());
        default -> null;
      };
      if (pkcs8 == null) {
        continue;
      }
      for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException(file + " holds a private key of an algorithm other than RSA, EC or Ed25519");
    }
    throw new IllegalArgumentException(file + " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY----- or"
        + " -----BEGIN RSA PRIVATE KEY-----); convert one with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8`");
  }

  private static SSLContext context(KeyManagerFactory keys, TrustManager[] trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an SSL context: " + e.getMessage(), e);
    }
  }

  private record Block(String type, byte[] der) {}

  private static Collection<Block> blocks(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " cannot be read: " + e, e);
    }
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + " holds a PEM block (" + m.group(1) + ") that is not valid base64", e);
      }
    }
    return blocks;
  }

  /**
   * Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0, SEQUENCE { OID
   * rsaEncryption, NULL }, OCTET STRING { key } }, which is all the JDK's key factory needs.
   */
  static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01,
        0x05, 0x00};
    byte[] octets = der(0x04, pkcs1);
    byte[] body = new byte[version.length + algorithm.length + octets.length];
    System.arraycopy(version, 0, body, 0, version.length);
    System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
    System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
    return der(0x30, body);
  }

  private static byte[] der(int tag, byte[] content) {
    int length = content.length;
    byte[] lengthBytes;
    if (length < 0x80) {
      lengthBytes = new byte[] {(byte) length};
    } else {
      int n = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      lengthBytes = new byte[n + 1];
      lengthBytes[0] = (byte) (0x80 | n);
      for (int i = 0; i < n; i++) {
        lengthBytes[n - i] = (byte) (length >>> (8 * i));
      }
    }
    byte[] out = new byte[1 + lengthBytes.length + length];
    out[0] = (byte) tag;
    System.arraycopy(lengthBytes, 0, out, 1, lengthBytes.length);
    System.arraycopy(content, 0, out, 1 + lengthBytes.length, length);
    return out;
  }
}
