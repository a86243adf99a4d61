package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.CsiSnapshotController;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.restore.ResourceRestoreReport.ClaimData;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A claim whose data is a CSI snapshot gets it as its data source where the target has a
 * VolumeSnapshotClass of the snapshot's driver (pre-provisioned from the recorded handle, Retain),
 * and is left alone, and said so, where it has none.
 */
class CsiClaimSourcesIT {
  private static final String DRIVER = "ebs.csi.aws.com";

  private final Manifest snapshot = new Manifest(Manifest.FORMAT, "20261207T000000Z-c5c5c5", SnapshotKind.VOLUME, "uid-1",
      "prod", Instant.parse("2026-12-07T00:00:00Z"), null, SnapshotPhase.COMPLETED, null, null,
      Map.of("method", "csi", "driver", DRIVER, "snapshotHandle", "snap-0abc", "volumeSnapshotClass", "ebs-snapshots",
          "restoreSize", "1073741824"));
  private final ClaimVolumes.Pick pick = new ClaimVolumes.Pick(snapshot, Duration.ofMinutes(5));
  private final ResourceDocument claim = new ResourceDocument("prod/shop//PersistentVolumeClaim/data", "", "v1",
      "PersistentVolumeClaim", "shop", "data", "uid-1", "1", Instant.EPOCH, "h", null, "{}");

  @Test
  void aTargetWithAClassOfTheDriverGetsThePreProvisionedSnapshotAsTheClaimsDataSource() throws Exception {
    try (LocalKubernetes api = LocalKubernetes.start(0);
        CsiSnapshotController csi = new CsiSnapshotController(api.client(), DRIVER, 1L << 30)) {
      KubernetesClient kube = api.client();
      csi.createDefaultClass("ebs-snapshots");
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop-dr").endMetadata().build()).create();
      ObjectNode body = new ObjectMapper().createObjectNode();

      CsiClaimSources.Planned planned = new CsiClaimSources(kube, false).plan(claim, body, "shop-dr", pick);
      planned.provision().run();

      assertThat(planned.data().state()).isEqualTo(ClaimData.State.FROM_CSI_SNAPSHOT);
      assertThat(planned.data().skew()).isEqualTo(Duration.ofMinutes(5));
      String name = body.path("spec").path("dataSource").path("name").asText();
      assertThat(body.path("spec").path("dataSource").path("kind").asText()).isEqualTo("VolumeSnapshot");
      assertThat(body.path("spec").path("dataSourceRef")).isEqualTo(body.path("spec").path("dataSource"));
      GenericKubernetesResource vs = kube.genericKubernetesResources(CsiSnapshotController.SNAPSHOTS).inNamespace("shop-dr")
          .withName(name).get();
      assertThat(vs).isNotNull();
      String content = ((Map<?, ?>) ((Map<?, ?>) vs.getAdditionalProperties().get("spec")).get("source"))
          .get("volumeSnapshotContentName").toString();
      Map<?, ?> contentSpec = (Map<?, ?>) kube.genericKubernetesResources(CsiSnapshotController.CONTENTS).withName(content)
          .get().getAdditionalProperties().get("spec");
      assertThat(contentSpec.get("deletionPolicy")).isEqualTo("Retain");
      assertThat(contentSpec.get("driver")).isEqualTo(DRIVER);
      assertThat(contentSpec.get("source")).isEqualTo(Map.of("snapshotHandle", "snap-0abc"));

      planned.provision().run(); // a restore run again finds them made: AlreadyExists is not a failure
    }
  }

  @Test
  void aTargetWithoutAClassOfTheDriverLeavesTheClaimOnANewEmptyVolumeAndSaysWhy() {
    try (LocalKubernetes api = LocalKubernetes.start(0)) {
      ObjectNode body = new ObjectMapper().createObjectNode();

      CsiClaimSources.Planned planned = new CsiClaimSources(api.client(), false).plan(claim, body, "shop-dr", pick);

      assertThat(planned.provision()).isNull();
      assertThat(planned.data().state()).isEqualTo(ClaimData.State.EMPTY);
      assertThat(planned.data().reason()).contains("not reachable from the target", DRIVER);
      assertThat(body.has("spec")).isFalse();
    }
  }
}
