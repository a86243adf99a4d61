package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration deploy/ ships is one `lifeboat run` accepts, with its secrets in the environment the pods get. */
class DeployConfigTest {
  private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

  @Test
  void theShippedConfigurationLoadsWithTheSecretsFromTheEnvironment() {
    Map<String, String> pod = Map.of("PRIMARY_ACCESS_KEY", "a", "PRIMARY_SECRET_KEY", "s", "OFFSITE_ACCESS_KEY", "a",
        "OFFSITE_SECRET_KEY", "s", "LIFEBOAT_MASTER_KEY", KEY, "LIFEBOAT_DATA_KEY", KEY, "LIFEBOAT_NODE_NAME", "node-1");
    LifeboatConfig config = new ConfigLoader(pod).load(Path.of("..", "deploy", "base", "lifeboat.yaml"));

    assertThat(config.section(LeaseConfig.SECTION).enabled()).isTrue();
    assertThat(config.section(SnapshotterConfig.SECTION).nodeName()).isEqualTo("node-1");
    assertThat(config.stores().offsite()).hasSize(1);
    assertThat(config.kubernetes().kubeconfig()).as("in a pod: its service account").isNull();
  }
}
