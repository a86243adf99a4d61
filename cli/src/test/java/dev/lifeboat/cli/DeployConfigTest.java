package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.KafkaSecurityConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.embedded.tls.LocalPki;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    assertThat(config.kafka().security()).as("TLS and SASL are commented out").isEqualTo(KafkaSecurityConfig.PLAINTEXT);
  }

  @Test
  void controlPlaneSnapshotsAreOnOnlyWhereThePodSaysSoWithThePkiAndStaticPodManifestsByDefault() {
    Map<String, String> pod = new HashMap<>(Map.of("PRIMARY_ACCESS_KEY", "a", "PRIMARY_SECRET_KEY", "s", "OFFSITE_ACCESS_KEY",
        "a", "OFFSITE_SECRET_KEY", "s", "LIFEBOAT_MASTER_KEY", KEY, "LIFEBOAT_DATA_KEY", KEY, "LIFEBOAT_NODE_NAME", "node-1"));
    Path file = Path.of("..", "deploy", "base", "lifeboat.yaml");

    assertThat(new ConfigLoader(pod).load(file).section(SnapshotterConfig.SECTION).controlPlane().enabled())
        .as("a pod without LIFEBOAT_CONTROL_PLANE: every worker, and the node agent elsewhere").isFalse();
    pod.put("LIFEBOAT_CONTROL_PLANE", "true"); // deploy/components/control-plane's agent
    var controlPlane = new ConfigLoader(pod).load(file).section(SnapshotterConfig.SECTION).controlPlane();
    assertThat(controlPlane.enabled()).isTrue();
    assertThat(controlPlane.paths()).containsExactly(Path.of("/etc/kubernetes/pki"), Path.of("/etc/kubernetes/manifests"));
  }

  @Test
  void theCommentedKafkaSecurityExampleIsValidOnceUncommentedWithItsFilesInPlace(@TempDir Path dir) throws Exception {
    LocalPki pki = LocalPki.create(dir);
    String file = Files.readString(Path.of("..", "deploy", "base", "lifeboat.yaml"));
    StringBuilder uncommented = new StringBuilder();
    boolean inExample = false;
    for (String line : file.split("\n", -1)) {
      inExample = line.equals("  # security:") || inExample && line.startsWith("  #   ");
      uncommented.append(inExample ? "  " + line.substring(4) : line).append('\n');
    }
    String yaml = uncommented.toString().replace("/etc/kafka-tls/ca.crt", pki.caCertificate().toString())
        .replace("/etc/kafka-tls/tls.crt", pki.client().certificate().toString())
        .replace("/etc/kafka-tls/tls.key", pki.client().privateKey().toString());
    Map<String, String> pod = new HashMap<>(Map.of("PRIMARY_ACCESS_KEY", "a", "PRIMARY_SECRET_KEY", "s", "OFFSITE_ACCESS_KEY", "a",
        "OFFSITE_SECRET_KEY", "s", "LIFEBOAT_MASTER_KEY", KEY, "LIFEBOAT_DATA_KEY", KEY, "LIFEBOAT_NODE_NAME", "node-1"));
    pod.put("KAFKA_PASSWORD", "from-the-secret");

    KafkaSecurityConfig security = new ConfigLoader(pod).parse(yaml, "lifeboat.yaml").kafka().security();

    assertThat(security.protocol()).isEqualTo(SecurityProtocol.SASL_SSL);
    assertThat(security.tls()).hasValueSatisfying(tls -> assertThat(tls.certFile()).isEqualTo(pki.client().certificate()));
    assertThat(security.sasl()).hasValueSatisfying(sasl -> {
      assertThat(sasl.mechanism()).isEqualTo(KafkaSecurityConfig.SaslMechanism.SCRAM_SHA_512);
      assertThat(sasl.password()).isEqualTo("from-the-secret");
    });
  }
}
