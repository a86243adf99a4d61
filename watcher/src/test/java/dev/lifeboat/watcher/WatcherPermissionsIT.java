package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A kind the watcher may not list is reported once, with the rule that would fix it, and the rest is watched. */
@LifeboatIntegrationTest
class WatcherPermissionsIT {
  private final WatcherFixture fx;
  private final LocalKubernetes kubernetes;

  WatcherPermissionsIT(TestStack stack) {
    this.fx = new WatcherFixture(stack);
    this.kubernetes = stack.stack().kubernetes().orElseThrow();
  }

  @Test
  void aForbiddenKindIsSkippedAndReportedOnceWhileTheRestIsWatched() throws Exception {
    kubernetes.forbid("serviceaccounts");
    try (Watcher watcher = fx.start()) {
      fx.kube().configMaps().inNamespace(fx.namespace).resource(new ConfigMapBuilder().withNewMetadata().withName("visible")
          .endMetadata().build()).create();
      kubernetes.adminClient().serviceAccounts().inNamespace(fx.namespace).resource(new ServiceAccountBuilder()
          .withNewMetadata().withName("hidden").endMetadata().build()).create();

      fx.records(r -> !r.isEmpty());
      assertThat(WatcherFixture.byObject(fx.settle(watcher, List.of(fx.configMapMarker())), fx.namespace))
          .containsExactlyEntriesOf(Map.of("ConfigMap/" + fx.namespace + "/visible", List.of(ChangeType.ADDED)));
      assertThat(watcher.resources().kinds()).extracting(WatchedKind::groupKind).doesNotContain("ServiceAccount").contains("ConfigMap");
      assertThat(fx.meters.counter("lifeboat.watcher.errors", "reason", "permission-denied").count()).isEqualTo(1.0);
    } finally {
      kubernetes.allow("serviceaccounts");
    }
  }
}
