package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.watcher.WatcherConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KindFilterTest {
  private static final WatchedKind CONFIGMAPS = new WatchedKind("", "v1", "ConfigMap", "configmaps", true);
  private static final WatchedKind DEPLOYMENTS = new WatchedKind("apps", "v1", "Deployment", "deployments", true);
  private static final WatchedKind EVENTS = new WatchedKind("", "v1", "Event", "events", true);
  private static final WatchedKind NEW_EVENTS = new WatchedKind("events.k8s.io", "v1", "Event", "events", true);
  private static final WatchedKind LEASES = new WatchedKind("coordination.k8s.io", "v1", "Lease", "leases", true);
  private static final WatchedKind ENDPOINTS = new WatchedKind("", "v1", "Endpoints", "endpoints", true);
  private static final WatchedKind WIDGETS = new WatchedKind("demo.io", "v1", "Widget", "widgets", true);

  private static KindFilter filter(List<String> include, List<String> exclude, List<String> namespaces, List<String> excluded) {
    return new KindFilter(new WatcherConfig(true, include, exclude, namespaces, excluded, null, true, Duration.ofMinutes(1),
        List.of("Secret"), 100, "lz4", List.of()));
  }

  @Test
  void leavesOutDerivedKindsByDefault() {
    KindFilter f = filter(List.of(), List.of(), List.of(), List.of());
    assertThat(f.watches(CONFIGMAPS)).isTrue();
    assertThat(f.watches(WIDGETS)).isTrue();
    assertThat(f.watches(EVENTS)).isFalse();
    assertThat(f.watches(NEW_EVENTS)).isFalse();
    assertThat(f.watches(LEASES)).isFalse();
    assertThat(f.watches(ENDPOINTS)).isFalse();
  }

  @Test
  void namesKindsAsKubectlDoesIgnoringCase() {
    KindFilter f = filter(List.of("Deployment.apps", "widgets"), List.of(), List.of(), List.of());
    assertThat(f.watches(DEPLOYMENTS)).isTrue();
    assertThat(f.watches(WIDGETS)).isTrue();
    assertThat(f.watches(CONFIGMAPS)).isFalse();
    assertThat(filter(List.of(), List.of("configmap"), List.of(), List.of()).watches(CONFIGMAPS)).isFalse();
    assertThat(filter(List.of("events"), List.of(), List.of(), List.of()).watches(EVENTS)).as("explicitly included").isTrue();
  }

  @Test
  void filtersNamespacesButAlwaysWatchesClusterScopedObjects() {
    KindFilter f = filter(List.of(), List.of(), List.of("shop", "blog"), List.of("blog"));
    assertThat(f.watchesNamespace("shop")).isTrue();
    assertThat(f.watchesNamespace("blog")).isFalse();
    assertThat(f.watchesNamespace("kube-system")).isFalse();
    assertThat(f.watchesNamespace("")).isTrue();
  }
}
