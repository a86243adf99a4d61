package dev.lifeboat.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** snapshotter.controlPlane: off unless asked for, and only on a node agent. */
class ControlPlaneConfigTest {
  private static final String BASE = "cluster:\n  name: c\nkafka:\n  bootstrapServers: k:9092\nregistry:\n  url: http://r\n"
      + "stores:\n  primary:\n    endpoint: http://s3\n    bucket: backups\n    accessKey: a\n    secretKey: s\n"
      + "repository:\n  masterKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

  private static SnapshotterConfig load(String snapshotter) {
    return new ConfigLoader(Map.of(), List.of(SnapshotterConfig.SECTION)).parse(BASE + snapshotter, "lifeboat.yaml")
        .section(SnapshotterConfig.SECTION);
  }

  @Test
  void aNodeAgentTakesNoControlPlaneSnapshotsUnlessEnabled() {
    SnapshotterConfig agent = load("snapshotter:\n  nodeName: n1\n");
    assertThat(agent.controlPlane().enabled()).isFalse();
    assertThat(agent.controlPlane().paths()).containsExactly(Path.of("/etc/kubernetes/pki"), Path.of("/etc/kubernetes/manifests"));
    assertThat(load("snapshotter:\n  nodeName: n1\n  controlPlane:\n    enabled: true\n    paths: [/k/pki]\n").controlPlane())
        .isEqualTo(new ControlPlaneConfig(true, List.of(Path.of("/k/pki"))));
  }

  @Test
  void enabledWithoutANodeOrWithRelativePathsIsRejectedNamingTheKey() {
    assertThatThrownBy(() -> load("snapshotter:\n  controlPlane:\n    enabled: true\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("snapshotter.controlPlane.enabled = true needs snapshotter.nodeName");
    assertThatThrownBy(() -> load("snapshotter:\n  nodeName: n1\n  controlPlane:\n    paths: [etc/kubernetes]\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("snapshotter.controlPlane.paths");
  }
}
