package dev.lifeboat.snapshotter.csi;

import static org.assertj.core.api.Assertions.assertThat;

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
}
