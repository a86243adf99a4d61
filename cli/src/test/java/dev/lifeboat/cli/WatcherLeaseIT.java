package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.lease.Leadership;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.watcher.WatcherConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two watchers of one cluster with leaderElection on, as two replicas of its Deployment: only the
 * holder of the lease publishes; when it goes, the standby takes over and every change made before,
 * during and after the handover is on {@code lifeboat.resource-changes} (no gap), each object's
 * latest version and a delete included.
 */
@LifeboatIntegrationTest
class WatcherLeaseIT {
  private static final String LEASE = "lease:lifeboat-watcher";
  private final TestStack stack;
  private final IsolatedCluster cluster;

  WatcherLeaseIT(TestStack stack) {
    this.stack = stack;
    this.cluster = new IsolatedCluster(stack, "wlease");
  }

  @Test
  void theStandbyTakesOverWhenTheHolderStopsAndNoChangeIsMissing(@TempDir Path dataDir) throws Exception {
    String namespace = cluster.name();
    KubernetesClient api = stack.stack().kubernetes().orElseThrow().client();
    api.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    LifeboatConfig config = config(dataDir, namespace);
    LifeboatProcess first = new LifeboatProcess(config, "wlease-it-1").only(Set.of("watcher")).start();
    LifeboatProcess second = new LifeboatProcess(config, "wlease-it-2").only(Set.of("watcher")).start();
    try {
      await(() -> holding(first) || holding(second), Duration.ofSeconds(30));
      LifeboatProcess holder = holding(first) ? first : second;
      LifeboatProcess standby = holder == first ? second : first;
      assertThat(detail(standby)).contains("standing by");

      Map<String, String> expected = new HashMap<>(); // name -> latest value
      for (int i = 0; i < 20; i++) {
        write(api, namespace, "before-" + i, "v1", expected);
      }
      await(() -> published(namespace).keySet().containsAll(expected.keySet()), Duration.ofSeconds(30));

      holder.close(); // a rolling update or a drained node: the holder stops and releases the lease
      for (int i = 0; i < 20; i++) {
        write(api, namespace, "during-" + i, "v1", expected); // while no one or the new holder watches
        write(api, namespace, "before-" + i, "v2", expected); // changed while the watchers change hands
      }
      await(() -> holding(standby), Duration.ofSeconds(15));
      for (int i = 0; i < 20; i++) {
        write(api, namespace, "after-" + i, "v1", expected);
      }
      api.configMaps().inNamespace(namespace).withName("during-0").delete();
      expected.remove("during-0");

      await(() -> published(namespace).equals(expected), Duration.ofSeconds(60));
      assertThat(published(namespace)).as("the latest published state of every ConfigMap of %s", namespace)
          .isEqualTo(expected);
      assertThat(holding(holder)).isFalse();
      // one handover, and no lease lost on the way: a watcher slow to start must not miss its renewals
      assertThat(api.leases().inNamespace(namespace).withName("lifeboat-watcher").get().getSpec().getLeaseTransitions())
          .as("times the lease changed hands").isEqualTo(1);
    } finally {
      first.close();
      second.close();
    }
  }

  private static void write(KubernetesClient api, String namespace, String name, String value, Map<String, String> expected) {
    api.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .withNamespace(namespace).endMetadata().addToData("value", value).build()).serverSideApply();
    expected.put(name, value);
  }

  /** The latest published value of every ConfigMap of the namespace, read up to the topic's end offsets (a marker). */
  private Map<String, String> published(String namespace) {
    Map<String, String> latest = new HashMap<>();
    for (ResourceChanged c : cluster.records(Topics.RESOURCE_CHANGES, ResourceChanged.class)) {
      if (c.getKind().equals("ConfigMap") && namespace.equals(c.getNamespace())) {
        if (c.getType() == ChangeType.DELETED) {
          latest.remove(c.getName());
        } else {
          latest.put(c.getName(), valueOf(c.getObject()));
        }
      }
    }
    return latest;
  }

  private static String valueOf(java.nio.ByteBuffer json) {
    String object = json == null ? "" : java.nio.charset.StandardCharsets.UTF_8.decode(json.duplicate()).toString();
    int at = object.indexOf("\"value\":\"");
    return at < 0 ? "" : object.substring(at + 9, object.indexOf('"', at + 9));
  }

  private LifeboatConfig config(Path dataDir, String namespace) {
    return cluster.config(dataDir)
        .with(WatcherConfig.SECTION, new WatcherConfig(true, List.of("ConfigMap"), List.of(), List.of(namespace), List.of(), null,
            true, Duration.ofMinutes(1), List.of(), 10_000, "lz4", List.of()))
        .with(LeaseConfig.SECTION, new LeaseConfig(true, new Leadership.Settings(namespace, Duration.ofSeconds(3),
            Duration.ofSeconds(2), Duration.ofMillis(300))));
  }

  private static boolean holding(LifeboatProcess process) {
    return detail(process).startsWith("holding");
  }

  private static String detail(LifeboatProcess process) {
    Health.Status status = process.health().components().get(LEASE);
    return status == null ? "" : status.detail();
  }

  private static void await(BooleanSupplier condition, Duration within) {
    Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(200)).until(condition::getAsBoolean);
  }
}
