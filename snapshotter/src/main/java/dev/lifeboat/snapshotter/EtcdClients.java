package dev.lifeboat.snapshotter;

import dev.lifeboat.config.LifeboatConfig.EtcdConfig;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.File;
import javax.net.ssl.SSLException;

/** A jetcd client for the configured endpoints, with client TLS when a CA, certificate and key are given. */
final class EtcdClients {
  private EtcdClients() {}

  static Client connect(EtcdConfig config) {
    ClientBuilder builder = Client.builder().endpoints(config.endpoints().toArray(String[]::new));
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
      } catch (SSLException e) {
        throw new IllegalArgumentException("etcd TLS: cannot use etcd.caFile/certFile/keyFile: " + e.getMessage(), e);
      }
    }
    return builder.build();
  }
}
