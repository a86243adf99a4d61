package dev.lifeboat.snapshotter.csi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.retry.ErrorClassifier;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VolumeSnapshotsTest {
  private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

  @Test
  void aVolumeSnapshotIsNamedAfterItsSnapshotIdAsAValidDnsLabel() {
    assertThat(VolumeSnapshots.objectName("20260101T120000Z-3f9a1c")).isEqualTo("lifeboat-20260101t120000z-3f9a1c");
    String odd = VolumeSnapshots.objectName("Snap_shot/ID.with:odd chars--");
    assertThat(odd).matches(DNS_LABEL).startsWith("lifeboat-snap-shot-id-with-odd-chars");
  }

  @Test
  void longSnapshotIdsAreCutTo63CharactersAndStayDistinct() {
    String a = VolumeSnapshots.objectName("x".repeat(80) + "-a");
    String b = VolumeSnapshots.objectName("x".repeat(80) + "-b");
    assertThat(a).hasSizeLessThanOrEqualTo(63).matches(DNS_LABEL);
    assertThat(b).hasSizeLessThanOrEqualTo(63).matches(DNS_LABEL);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void theRequestLabelIsAValidLabelValueForAnyRequestId() {
    assertThat(VolumeSnapshots.requestLabel("r1")).matches("[0-9a-f]{40}");
    assertThat(VolumeSnapshots.requestLabel("a request id with spaces and / slashes" + "z".repeat(100)))
        .matches("[0-9a-f]{40}");
    assertThat(VolumeSnapshots.requestLabel("r1")).isNotEqualTo(VolumeSnapshots.requestLabel("r2"));
  }

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

  @Test
  void durationsAreWrittenAsInTheConfiguration() {
    assertThat(CsiSnapshotter.human(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(CsiSnapshotter.human(Duration.ofSeconds(2))).isEqualTo("2s");
    assertThat(CsiSnapshotter.human(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }

  private static KubernetesClientException status(int code, String message) {
    return new KubernetesClientException(new StatusBuilder().withCode(code).withMessage(message).build());
  }
}
