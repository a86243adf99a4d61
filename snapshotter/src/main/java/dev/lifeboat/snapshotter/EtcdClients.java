package dev.lifeboat.snapshotter;

import dev.lifeboat.config.LifeboatConfig.EtcdConfig;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.File;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * A jetcd client for the configured endpoints, with client TLS when a CA, certificate and key are given.
 *
 * <p>Calls fail instead of waiting when the connection cannot be made ({@code waitForReady(false)};
 * jetcd waits by default): a TLS handshake etcd refuses, or a server certificate the CA did not sign,
 * then fails the call within jetcd's few retries, with the handshake's reason, rather than after the
 * caller's timeout with none. The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 ({@code BEGIN
 * RSA PRIVATE KEY}, what kubeadm writes): Netty reads PKCS#1 through BouncyCastle's bcpkix, which is on
 * the snapshotter's class path for that reason.
 */
final class EtcdClients {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private EtcdClients() {}

  static Client connect(EtcdConfig config) {
    ClientBuilder builder = Client.builder().endpoints(config.endpoints().toArray(String[]::new))
        .waitForReady(false)
        .connectTimeout(CONNECT_TIMEOUT);
    if (config.caFile() != null || config.certFile() != null) {
      try {
        builder.sslContext(ssl -> {
          if (config.caFile() != null) {
            ssl.trustManager(new File(config.caFile()));
          }
          if (config.certFile() != null) {
            ssl.keyManager(new File(config.certFile()), new File(config.keyFile()));
          }
        });
      } catch (SSLException | IllegalArgumentException e) {
        // Netty: "File does not contain valid private key" for a key in neither PKCS#8 nor (with bcpkix) PKCS#1 form
        throw new IllegalArgumentException("etcd TLS: cannot use etcd.caFile/certFile/keyFile: " + e.getMessage(), e);
      }
    }
    return builder.build();
  }
}
