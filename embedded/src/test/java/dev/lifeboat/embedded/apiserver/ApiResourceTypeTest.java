package dev.lifeboat.embedded.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiResourceTypeTest {

  @Test
  void aDefinitionIsDiscoveredInEveryServedVersionWithItsStorageVersionFirst() {
    CustomResourceDefinition crd =
        new CustomResourceDefinitionBuilder()
            .withNewMetadata().withName("backups.lifeboat.dev").endMetadata()
            .withNewSpec()
            .withGroup("lifeboat.dev")
            .withScope("Cluster")
            .withNewNames().withPlural("backups").withKind("Backup").endNames()
            .addNewVersion().withName("v1alpha1").withServed(true).withStorage(false).endVersion()
            .addNewVersion().withName("v1beta1").withServed(false).withStorage(false).endVersion()
            .addNewVersion()
            .withName("v1")
            .withServed(true)
            .withStorage(true)
            .withNewSubresources().withNewStatus().endStatus().endSubresources()
            .endVersion()
            .endSpec()
            .build();

    List<ApiResourceType> types = ApiResourceType.of(crd);

    assertThat(types).extracting(ApiResourceType::groupVersion)
        .containsExactly("lifeboat.dev/v1", "lifeboat.dev/v1alpha1");
    ApiResourceType v1 = types.get(0);
    assertThat(v1.namespaced()).isFalse();
    assertThat(v1.singular()).isEqualTo("backup");
    assertThat(v1.toApiResources())
        .extracting(APIResource::getName)
        .containsExactly("backups", "backups/status");
    assertThat(types.get(1).toApiResources()).extracting(APIResource::getName)
        .containsExactly("backups");
  }

  @Test
  void builtInKindsCarryTheirGroupVersionAndShortNames() {
    ApiResourceType statefulSets =
        BuiltInApiResources.ALL.stream()
            .filter(t -> t.plural().equals("statefulsets"))
            .findFirst()
            .orElseThrow();

    assertThat(statefulSets.groupVersion()).isEqualTo("apps/v1");
    assertThat(statefulSets.singular()).isEqualTo("statefulset");
    assertThat(statefulSets.shortNames()).containsExactly("sts");
    assertThat(statefulSets.categories()).containsExactly("all");
    assertThat(statefulSets.toApiResources().get(0).getVerbs())
        .containsExactlyInAnyOrderElementsOf(ApiResourceType.VERBS);
  }
}
