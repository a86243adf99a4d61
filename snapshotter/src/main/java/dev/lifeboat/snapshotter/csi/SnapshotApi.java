package dev.lifeboat.snapshotter.csi;

import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The kinds of the CSI snapshot API ({@code snapshot.storage.k8s.io/v1}), named explicitly so that
 * no discovery round trip precedes each call, and calls to the Kubernetes API with their failures
 * classified at the boundary: an API server that cannot be reached or answers 408, 429 or 5xx is a
 * {@link RetriableFailure}; anything else it refuses (401, 403, 404, 409, 422, ...) is a
 * {@link PermanentFailure} that says what was attempted and what would fix it.
 */
final class SnapshotApi {
  static final String GROUP = "snapshot.storage.k8s.io";
  static final String VERSION = "v1";
  static final String API_VERSION = GROUP + "/" + VERSION;
  static final ResourceDefinitionContext SNAPSHOTS = context("volumesnapshots", "VolumeSnapshot", true);
  static final ResourceDefinitionContext CLASSES = context("volumesnapshotclasses", "VolumeSnapshotClass", false);
  static final ResourceDefinitionContext CONTENTS = context("volumesnapshotcontents", "VolumeSnapshotContent", false);

  private static final Set<Integer> RETRIABLE_CODES = Set.of(408, 429, 500, 502, 503, 504);

  private SnapshotApi() {}

  private static ResourceDefinitionContext context(String plural, String kind, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion(VERSION).withPlural(plural)
        .withKind(kind).withNamespaced(namespaced).build();
  }

  /** Runs one API call; {@code what} finishes the sentence "could not ...". */
  static <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      throw classify(what, e);
    }
  }

  static RuntimeException classify(String what, KubernetesClientException e) {
    int code = e.getCode();
    String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    boolean answered = code > 0;
    if (isRetriable(e)) {
      return new RetriableFailure("could not " + what + ": the Kubernetes API "
          + (answered ? "answered " + code + " (" + reason + ")" : "could not be reached (" + rootCause(e) + ")"), e);
    }
    String hint = switch (code) {
      case 401 -> "; the API server refused the snapshotter's credentials (check kubernetes.kubeconfig)";
      case 403 -> "; grant the snapshotter's service account this permission (RBAC; see deploy/snapshotter-rbac.yaml)";
      case 404 -> "; if the cluster does not serve " + API_VERSION + ", install the CSI snapshot CRDs and snapshot"
          + " controller (github.com/kubernetes-csi/external-snapshotter)";
      default -> "";
    };
    return new PermanentFailure("could not " + what + ": " + (answered ? code + " " : "") + reason + hint, e);
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /** An API server that could not be reached, timed out, throttled, or failed on its side. */
  static boolean isRetriable(KubernetesClientException e) {
    return e instanceof KubernetesClientTimeoutException || RETRIABLE_CODES.contains(e.getCode())
        || ErrorClassifier.isRetriable(e.getCause());
  }
}
