package dev.lifeboat.repository.blob;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.tls.PemFiles;
import io.minio.credentials.Provider;
import io.minio.credentials.StaticProvider;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How this process reaches and signs in to one S3 store, shared by the MinIO client and the streamed
 * PUTs of {@link S3SignedPut} so both trust the same CA and sign with the same, possibly rotated, keys.
 *
 * @param credentials asked for the keys on every request
 * @param trust the trust manager for a store's private CA, or null for the JDK's CAs
 * @param sockets TLS sockets trusting {@code trust}, or null for the JDK's default
 */
record S3Access(Provider credentials, X509TrustManager trust, SSLSocketFactory sockets) {

  /** The keys and trust {@code config} gives: inline keys or key files, the JDK's CAs or its {@code caFile}. */
  static S3Access of(StoreConfig config, String description) {
    Provider credentials = config.access().keysFromFiles()
        ? new FileCredentialsProvider(Path.of(config.access().accessKeyFile()), Path.of(config.access().secretKeyFile()),
            description)
        : new StaticProvider(config.accessKey(), config.secretKey(), null);
    if (config.access().caFile() == null) {
      return new S3Access(credentials, null, null);
    }
    X509TrustManager trust = PemFiles.trustManager(Path.of(config.access().caFile()));
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      return new S3Access(credentials, trust, context.getSocketFactory());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an SSL context for " + description + ": " + e.getMessage(), e);
    }
  }
}
