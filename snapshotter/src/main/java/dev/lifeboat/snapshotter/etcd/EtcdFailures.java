package dev.lifeboat.snapshotter.etcd;

import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Says what went wrong talking to etcd, naming its endpoints, and classifies it: a TLS handshake that
 * failed (the server's certificate not trusted, or no client certificate the server accepts) stays
 * failed until the configuration changes, so it is permanent; anything else (etcd down, a timeout) is
 * retriable. jetcd itself reports all of these as {@code UNAVAILABLE} without the address.
 */
final class EtcdFailures {
  private EtcdFailures() {}

  /**
   * @param doing what was being done, e.g. "count its keys"
   * @param endpoints the client URLs the client was built with
   */
  static RuntimeException classify(String doing, List<String> endpoints, Throwable error) {
    String at = at(endpoints);
    Throwable untrusted = find(error, CertificateException.class, CertPathBuilderException.class,
        CertPathValidatorException.class);
    if (untrusted != null) {
      return new PermanentFailure(at + ": the server's certificate was not trusted (" + untrusted.getMessage()
          + "); etcd.caFile must be the CA that signed etcd's server certificate (etcd's --cert-file),"
          + " and that certificate must name the endpoint's host", error);
    }
    Throwable handshake = find(error, SSLHandshakeException.class);
    if (handshake != null && String.valueOf(handshake.getMessage()).startsWith("Received fatal alert")) {
      return new PermanentFailure(at + " refused the connection in the TLS handshake (" + handshake.getMessage()
          + "): it accepts only clients with a certificate signed by its --trusted-ca-file;"
          + " set etcd.certFile and etcd.keyFile to such a certificate and its key", error);
    }
    Throwable tls = find(error, SSLException.class);
    if (tls != null) {
      return new PermanentFailure(at + ": TLS failed (" + tls.getMessage() + "); an https:// endpoint needs an etcd"
          + " serving TLS on it, an http:// endpoint one serving plain HTTP", error);
    }
    return new RetriableFailure("cannot reach " + at + " to " + doing + ": " + error, error);
  }

  /** "etcd at https://10.0.0.1:2379", or "etcd" when the endpoints are not known. */
  static String at(List<String> endpoints) {
    return endpoints.isEmpty() ? "etcd" : "etcd at " + String.join(",", endpoints);
  }

  @SafeVarargs
  private static Throwable find(Throwable error, Class<? extends Throwable>... types) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Class<? extends Throwable> type : types) {
        if (type.isInstance(t)) {
          return t;
        }
      }
    }
    return null;
  }
}
