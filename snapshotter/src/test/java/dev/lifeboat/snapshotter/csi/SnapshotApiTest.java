package dev.lifeboat.snapshotter.csi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.retry.ErrorClassifier;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class SnapshotApiTest {

  @Test
  void anUnreachableOrOverloadedApiIsRetriableAndARefusalIsNot() {
    assertThat(ErrorClassifier.isRetriable(SnapshotApi.classify("read x",
        new KubernetesClientException("failed", new ConnectException("Connection refused"))))).isTrue();
    assertThat(ErrorClassifier.isRetriable(SnapshotApi.classify("read x", status(503, "ServiceUnavailable")))).isTrue();
    assertThat(ErrorClassifier.isRetriable(SnapshotApi.classify("read x", status(429, "TooManyRequests")))).isTrue();

    RuntimeException forbidden = SnapshotApi.classify("list VolumeSnapshotClasses", status(403, "forbidden"));
    assertThat(ErrorClassifier.isRetriable(forbidden)).isFalse();
    assertThat(forbidden).hasMessageContaining("could not list VolumeSnapshotClasses: 403 forbidden")
        .hasMessageContaining("RBAC");
    RuntimeException missing = SnapshotApi.classify("create VolumeSnapshot shop/x", status(404, "not found"));
    assertThat(ErrorClassifier.isRetriable(missing)).isFalse();
    assertThat(missing).hasMessageContaining("install the CSI snapshot CRDs");
  }

  private static KubernetesClientException status(int code, String message) {
    return new KubernetesClientException(new StatusBuilder().withCode(code).withMessage(message).build());
  }
}
