package dev.lifeboat.watcher.volume;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VolumeNodePathsTest {

  private static VolumeView volume(String csiDriver, String hostPath, String localPath) {
    return new VolumeView("pv-1", "uid-1", "Bound", csiDriver, hostPath, localPath, "standard");
  }

  @Test
  void hostPathAndLocalVolumesNameTheirPath() {
    assertThat(NodePaths.of(volume(null, "/data/pv-1", null), null, null)).isEqualTo("/data/pv-1");
    assertThat(NodePaths.of(volume(null, null, "/mnt/disks/ssd1"), null, "pod-uid")).isEqualTo("/mnt/disks/ssd1");
  }

  @Test
  void aCsiVolumeMountedByAPodIsUnderThatPodsDirectory() {
    assertThat(NodePaths.of(volume("csi.example.com", null, null), "csi.example.com", "0b1c-pod"))
        .isEqualTo("/var/lib/kubelet/pods/0b1c-pod/volumes/kubernetes.io~csi/pv-1/mount");
  }

  @Test
  void aCsiDriverKnownOnlyFromAnAttachmentAlsoGivesThePath() {
    assertThat(NodePaths.of(volume(null, null, null), "ebs.csi.aws.com", "0b1c-pod"))
        .isEqualTo("/var/lib/kubelet/pods/0b1c-pod/volumes/kubernetes.io~csi/pv-1/mount");
  }

  @Test
  void unknownWhenNotMountedOrNotAFileVolume() {
    assertThat(NodePaths.of(volume("csi.example.com", null, null), "csi.example.com", null)).isNull();
    assertThat(NodePaths.of(volume(null, null, null), null, "0b1c-pod")).isNull();
    assertThat(NodePaths.of(null, "csi.example.com", "0b1c-pod")).isNull();
  }
}
