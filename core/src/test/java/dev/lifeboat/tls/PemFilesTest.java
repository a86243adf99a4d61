package dev.lifeboat.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.embedded.tls.LocalPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PEM files of a Kubernetes TLS Secret read with the JDK alone, and what is said when one is not usable. */
class PemFilesTest {
  @TempDir Path dir;

  @Test
  void readsTheCaTheServerChainAndItsPkcs8Key() {
    LocalPki pki = LocalPki.create(dir.resolve("pki"));

    assertThat(PemFiles.certificates(pki.caCertificate())).singleElement()
        .satisfies(ca -> assertThat(ca.getBasicConstraints()).isNotNegative());
    assertThat(PemFiles.privateKey(pki.server().privateKey()).getAlgorithm()).isEqualTo("RSA");
    assertThat(PemFiles.serverContext(pki.server().certificate(), pki.server().privateKey()).getProtocol()).isEqualTo("TLS");
    assertThat(PemFiles.trustManager(pki.caCertificate()).getAcceptedIssuers()).hasSize(1);
  }

  @Test
  void readsAnRsaKeyInPkcs1AsCertManagerWritesItByDefault() throws IOException {
    LocalPki pki = LocalPki.create(dir.resolve("pki"));
    PrivateKey pkcs8 = PemFiles.privateKey(pki.server().privateKey());
    byte[] pkcs1 = PrivateKeyInfo.getInstance(pkcs8.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();
    Path file = Files.writeString(dir.resolve("tls.key"), "-----BEGIN RSA PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs1) + "\n-----END RSA PRIVATE KEY-----\n");

    assertThat(PemFiles.privateKey(file)).isEqualTo(pkcs8);
    assertThat(PemFiles.serverContext(pki.server().certificate(), file)).isNotNull();
  }

  @Test
  void aFileWithoutACertificateOrAnEncryptedKeyIsNamedWithWhatWasExpected() throws IOException {
    Path notPem = Files.writeString(dir.resolve("ca.crt"), "not a certificate\n");
    Path encrypted = Files.writeString(dir.resolve("tls.key"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
        + "-----END ENCRYPTED PRIVATE KEY-----\n");

    assertThatThrownBy(() -> PemFiles.trustManager(notPem))
        .hasMessage(notPem + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    assertThatThrownBy(() -> PemFiles.privateKey(encrypted))
        .hasMessageStartingWith(encrypted + " holds no unencrypted PEM private key").hasMessageContaining("openssl pkcs8");
    assertThatThrownBy(() -> PemFiles.certificates(dir.resolve("missing.crt")))
        .hasMessageStartingWith(dir.resolve("missing.crt") + " cannot be read");
  }
}
