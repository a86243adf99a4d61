package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.kube.LifeboatLabels;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ClaimsInScopeTest {

  @Test
  void theVolumeWatcherTakesTheClaimsOfTheWatchedNamespacesButNotScratchClaims() {
    WatcherConfig config = new WatcherConfig(true, List.of(), List.of(), List.of("shop", "blog"), List.of("blog"), null, true,
        Duration.ofMinutes(1), List.of(), 10_000, "lz4", List.of());
    Predicate<PersistentVolumeClaim> scope = Watcher.claimsInScope(config);
    assertThat(scope.test(claim("shop", Map.of()))).isTrue();
    assertThat(scope.test(claim("blog", Map.of()))).as("excluded").isFalse();
    assertThat(scope.test(claim("other", Map.of()))).as("not included").isFalse();
    assertThat(scope.test(claim("shop", Map.of(LifeboatLabels.SCRATCH, "1234")))).as("restored by a verification").isFalse();
    assertThat(Watcher.claimsInScope(WatcherConfig.defaults()).test(claim("anything", Map.of()))).as("no filter").isTrue();
  }

  private static PersistentVolumeClaim claim(String namespace, Map<String, String> labels) {
    return new PersistentVolumeClaimBuilder().withNewMetadata().withNamespace(namespace).withName("data").withLabels(labels)
        .endMetadata().build();
  }
}
