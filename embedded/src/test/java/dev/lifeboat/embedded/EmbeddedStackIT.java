package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack as the demo runs it: its Kubernetes API keeps the cluster in the stack's etcd. */
class EmbeddedStackIT {

  @TempDir Path dataDir;

  @Test
  void theApiKeepsTheClusterInTheStacksEtcdAndASecondRunServesIt() throws Exception {
    Tools.etcdctl();
    ConfigMap created;
    try (EmbeddedStack stack = EmbeddedStack.start(EmbeddedStack.Options.ephemeral(dataDir))) {
      LocalKubernetes kubernetes = stack.kubernetes().orElseThrow();
      assertThat(kubernetes.storage()).isEqualTo("etcd " + String.join(",", stack.etcd().orElseThrow().endpoints()));
      created = kubernetes.client().resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
          .withNamespace("default").endMetadata().withData(Map.of("retention", "7d")).build()).create();

      try (Client etcd = Client.builder().endpoints(stack.etcd().orElseThrow().endpoints().toArray(String[]::new)).build()) {
        GetResponse stored = etcd.getKVClient()
            .get(ByteSequence.from("/registry/configmaps/default/settings", StandardCharsets.UTF_8))
            .get(30, TimeUnit.SECONDS);
        assertThat(stored.getKvs()).singleElement().satisfies(kv -> {
          assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).contains("\"retention\":\"7d\"");
          assertThat(kv.getModRevision()).isEqualTo(Long.parseLong(created.getMetadata().getResourceVersion()));
        });
      }
    }

    try (EmbeddedStack again = EmbeddedStack.start(EmbeddedStack.Options.ephemeral(dataDir))) {
      ConfigMap served = again.kubernetes().orElseThrow().client().configMaps().inNamespace("default")
          .withName("settings").get();
      assertThat(served.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
      assertThat(served.getMetadata().getResourceVersion()).isEqualTo(created.getMetadata().getResourceVersion());
      assertThat(served.getData()).containsEntry("retention", "7d");
    }
  }
}
