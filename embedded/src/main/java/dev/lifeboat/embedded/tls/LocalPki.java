package dev.lifeboat.embedded.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for TLS listeners on the loopback address: what tests and the
 * demo need to run Kafka, the schema registry, S3 and etcd over TLS with certificates no one else
 * trusts. {@link #create} makes a CA, a server certificate for {@code localhost} and {@code
 * 127.0.0.1} and a client certificate, and writes each as PEM (certificate, PKCS#8 key) and as a
 * PKCS#12 store, the forms the servers and clients Lifeboat talks to read. Keys are RSA 2048; the
 * certificates are valid for a day.
 */
public final class LocalPki {

  /** One certificate with its key, in the files a server or client reads. */
  public record Credentials(String name, Path certificate, Path privateKey, Path keyStore, X509Certificate x509) {}

  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final String password;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final Path caFile;
  private final Path trustStore;
  private final Credentials server;
  private final Credentials client;

  private LocalPki(Path dir, String clientName) throws GeneralSecurityException, IOException, OperatorCreationException {
    this.dir = Files.createDirectories(dir);
    this.password = HexFormat.of().formatHex(RANDOM.generateSeed(8));
    this.caKeys = rsa();
    X500Name caName = new X500Name("CN=Lifeboat local CA " + HexFormat.of().formatHex(RANDOM.generateSeed(4)));
    X509v3CertificateBuilder builder = builder(caName, caName, caKeys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(Extension.subjectKeyIdentifier, false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic()));
    this.ca = sign(builder, caKeys.getPrivate());
    this.caFile = writePem(dir.resolve("ca.pem"), ca);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    this.trustStore = store(trust, dir.resolve("truststore.p12"));
    this.server = issue("localhost", true);
    this.client = issue(clientName, false);
  }

  /** A CA with a server certificate for the loopback address and a client certificate named {@code lifeboat}. */
  public static LocalPki create(Path dir) {
    return create(dir, "lifeboat");
  }

  /** A CA with a server certificate for the loopback address and a client certificate with common name {@code clientName}. */
  public static LocalPki create(Path dir, String clientName) {
    try {
      return new LocalPki(dir, clientName);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write certificates under " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make certificates: " + e.getMessage(), e);
    }
  }

  /** Another client certificate signed by this CA, with common name {@code name}. */
  public Credentials issueClient(String name) {
    try {
      return issue(name, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write certificates under " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make certificates: " + e.getMessage(), e);
    }
  }

  /** How {@link #encryptedPrivateKey} encrypts a key. */
  public enum KeyEncryption {
    /** PKCS#12's PBE with SHA-1 and 3DES ({@code openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES}). */
    PBES1_SHA1_3DES,
    /** PBES2 with AES-256-CBC and HMAC-SHA256: what {@code openssl pkcs8 -topk8} writes by default. */
    PBES2_AES_256
  }

  /**
   * The private key of {@code credentials} encrypted with {@code password}, as PEM ({@code BEGIN
   * ENCRYPTED PRIVATE KEY}, PKCS#8), written next to the plain one.
   */
  public Path encryptedPrivateKey(Credentials credentials, KeyEncryption encryption, String password) {
    try {
      String pem = Files.readString(credentials.privateKey());
      byte[] pkcs8 = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
      byte[] encrypted = switch (encryption) {
        case PBES1_SHA1_3DES -> pbes1(pkcs8, password);
        case PBES2_AES_256 -> new JcaPKCS8Generator(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)),
            new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setPRF(PKCS8Generator.PRF_HMACSHA256)
                .setIterationCount(10_000).setRandom(RANDOM).setPassword(password.toCharArray())
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build()).generate().getContent();
      };
      String file = credentials.privateKey().getFileName().toString().replace(".pem", "-" + encryption.name().toLowerCase(java.util.Locale.ROOT) + ".pem");
      StringWriter text = new StringWriter();
      try (JcaPEMWriter out = new JcaPEMWriter(text)) {
        out.writeObject(new org.bouncycastle.util.io.pem.PemObject("ENCRYPTED PRIVATE KEY", encrypted));
      }
      return Files.writeString(dir.resolve(file), text.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write an encrypted key under " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot encrypt a key with " + encryption + ": " + e.getMessage(), e);
    }
  }

  /** With the JDK alone, which writes PBES1 but (Java 17) not PBES2 key infos. */
  private static byte[] pbes1(byte[] pkcs8, String password) throws GeneralSecurityException, IOException {
    String algorithm = "PBEWithSHA1AndDESede";
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    SecretKey key = SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password.toCharArray()));
    Cipher cipher = Cipher.getInstance(algorithm);
    cipher.init(Cipher.ENCRYPT_MODE, key, new PBEParameterSpec(salt, 10_000), RANDOM);
    return new EncryptedPrivateKeyInfo(cipher.getParameters(), cipher.doFinal(pkcs8)).getEncoded();
  }

  /** The CA certificate (PEM): what a client trusts. */
  public Path caCertificate() {
    return caFile;
  }

  /** The CA certificate in a PKCS#12 trust store, with {@link #password}. */
  public Path trustStore() {
    return trustStore;
  }

  /** The server's certificate, for {@code localhost}, {@code 127.0.0.1} and {@code ::1}. */
  public Credentials server() {
    return server;
  }

  /** The client certificate made with the CA. */
  public Credentials client() {
    return client;
  }

  /** The password of every PKCS#12 store written (the PEM keys are not encrypted). */
  public String password() {
    return password;
  }

  /** An SSL context presenting the server certificate and trusting this CA's clients. */
  public SSLContext serverContext() {
    return context(server);
  }

  /** An SSL context presenting the client certificate and trusting only this CA. */
  public SSLContext clientContext() {
    return context(client);
  }

  /** An SSL context trusting only this CA, presenting no certificate. */
  public SSLContext trustingContext() {
    return context(null);
  }

  private SSLContext context(Credentials credentials) {
    try {
      KeyManagerFactory keys = null;
      if (credentials != null) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(credentials.keyStore())) {
          store.load(in, password.toCharArray());
        }
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password.toCharArray());
      }
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trusted.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trusted.getTrustManagers(), RANDOM);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an SSL context: " + e.getMessage(), e);
    }
  }

  private Credentials issue(String name, boolean forServer) throws GeneralSecurityException, IOException, OperatorCreationException {
    KeyPair keys = rsa();
    X509v3CertificateBuilder builder = builder(new X500Name(ca.getSubjectX500Principal().getName()), new X500Name("CN=" + name), keys);
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
    if (forServer) {
      // servers (etcd's peers, Kafka's inter-broker listener) also connect to each other with it
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.dNSName, "localhost"));
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName("::1").getHostAddress()));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
    } else {
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    }
    X509Certificate certificate = sign(builder, caKeys.getPrivate());
    String file = forServer ? "server" : "client-" + name.replaceAll("[^A-Za-z0-9._-]", "_");
    Path certificateFile = writePem(dir.resolve(file + ".pem"), certificate);
    Path keyFile = writePem(dir.resolve(file + "-key.pem"), keys.getPrivate());
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry(name, keys.getPrivate(), password.toCharArray(), new Certificate[] {certificate, ca});
    Path keyStore = store(store, dir.resolve(file + ".p12"));
    return new Credentials(name, certificateFile, keyFile, keyStore, certificate);
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, RANDOM);
    return generator.generateKeyPair();
  }

  private static Path writePem(Path file, Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      // a private key is written as PKCS#8 ("PRIVATE KEY"), which Kafka, etcd and the JDK all read
      pem.writeObject(object instanceof PrivateKey key ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY",
          key.getEncoded()) : object);
    }
    Files.writeString(file, text.toString());
    return file;
  }

  private Path store(KeyStore store, Path file) throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, password.toCharArray());
    }
    return file;
  }
}
