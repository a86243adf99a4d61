package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Watches that expire (410 Gone) or break while objects change: after the relist the topic holds
 * every missed change and deletion, and nothing twice.
 */
@LifeboatIntegrationTest
class WatcherRelistIT {
  private final WatcherFixture fx;
  private final LocalKubernetes kubernetes;

  WatcherRelistIT(TestStack stack) {
    this.fx = new WatcherFixture(stack);
    this.kubernetes = stack.stack().kubernetes().orElseThrow();
  }

  @Test
  void changesAndDeletionsDuringAnOutageArePublishedAfterTheRelistAndNothingTwice() throws Exception {
    var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
    for (String name : List.of("a", "b", "steady")) {
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("v", "1").build()).create();
    }
    try (Watcher watcher = fx.start()) {
      fx.records(r -> r.size() >= 3);

      kubernetes.beginOutage();
      try {
        var admin = kubernetes.adminClient().configMaps().inNamespace(fx.namespace);
        admin.withName("a").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
        admin.withName("b").delete();
        admin.resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().addToData("v", "1").build()).create();
      } finally {
        kubernetes.endOutage();
      }

      String prefix = "ConfigMap/" + fx.namespace + "/";
      fx.records(r -> r.size() >= 6);
      assertThat(WatcherFixture.byObject(fx.settle(watcher, List.of(fx.configMapMarker())), fx.namespace))
          .containsExactlyInAnyOrderEntriesOf(Map.of(
          prefix + "a", List.of(ChangeType.ADDED, ChangeType.MODIFIED),
          prefix + "b", List.of(ChangeType.ADDED, ChangeType.DELETED),
          prefix + "c", List.of(ChangeType.ADDED),
          prefix + "steady", List.of(ChangeType.ADDED)));
      assertThat(fx.meters.find("lifeboat.watcher.relists").tag("kind", "ConfigMap").counter())
          .isNotNull().satisfies(c -> assertThat(c.count()).isGreaterThanOrEqualTo(1));
    }
  }

  @Test
  void aRelistOverSeveralPagesPublishesTheDeletionsAndChangesItFindsAndNothingForUnchangedObjects() throws Exception {
    int count = KindWatch.PAGE * 2 + 200; // three pages
    var admin = kubernetes.adminClient().configMaps().inNamespace(fx.namespace);
    java.util.stream.IntStream.range(0, count).parallel().forEach(i -> admin.resource(new ConfigMapBuilder().withNewMetadata()
        .withName(String.format("cm-%04d", i)).endMetadata().addToData("v", "1").build()).create());
    try (Watcher watcher = fx.start()) {
      fx.records(r -> r.size() >= count);

      kubernetes.beginOutage();
      try {
        for (int i = 0; i < count; i += 100) {
          admin.withName(String.format("cm-%04d", i)).delete(); // one in each stretch of the list, every page
          admin.withName(String.format("cm-%04d", i + 1)).edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
        }
      } finally {
        kubernetes.endOutage();
      }

      Map<String, List<ChangeType>> changes = WatcherFixture.byObject(fx.settle(watcher, List.of(fx.configMapMarker())),
          fx.namespace);
      String prefix = "ConfigMap/" + fx.namespace + "/";
      Map<String, List<ChangeType>> expected = new java.util.HashMap<>();
      for (int i = 0; i < count; i++) {
        expected.put(prefix + String.format("cm-%04d", i), i % 100 == 0 ? List.of(ChangeType.ADDED, ChangeType.DELETED)
            : i % 100 == 1 ? List.of(ChangeType.ADDED, ChangeType.MODIFIED) : List.of(ChangeType.ADDED));
      }
      assertThat(changes).containsExactlyInAnyOrderEntriesOf(expected);
      assertThat(fx.meters.find("lifeboat.watcher.relists").tag("kind", "ConfigMap").counter())
          .isNotNull().satisfies(c -> assertThat(c.count()).isGreaterThanOrEqualTo(1));
    }
  }

  @Test
  void anExpiredWatchIsRelistedAndLaterChangesStillArrive() throws Exception {
    var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
    configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("x").endMetadata().addToData("v", "1").build()).create();
    try (Watcher watcher = fx.start()) {
      fx.records(r -> r.size() >= 1);

      kubernetes.expireWatches();
      configMaps.withName("x").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("y").endMetadata().addToData("v", "1").build()).create();

      fx.records(r -> r.size() >= 3);
      String prefix = "ConfigMap/" + fx.namespace + "/";
      assertThat(WatcherFixture.byObject(fx.settle(watcher, List.of(fx.configMapMarker())), fx.namespace))
          .containsExactlyInAnyOrderEntriesOf(Map.of(
          prefix + "x", List.of(ChangeType.ADDED, ChangeType.MODIFIED),
          prefix + "y", List.of(ChangeType.ADDED)));
    }
  }
}
