package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Components of the stack stopped and started again, as crashed servers come back: same port, same data. */
class EmbeddedStackFaultsIT {

  @TempDir Path dataDir;

  @Test
  void theOffRegionStoreTheBrokerAndEtcdComeBackOnTheirPortsWithTheirData() throws Exception {
    Tools.etcdctl();
    try (EmbeddedStack stack = EmbeddedStack.start(EmbeddedStack.Options.ephemeral(dataDir))) {
      String offsite = stack.offsite().endpoint();
      MinioClient s3 = stack.offsite().newClient();
      byte[] body = "kept".getBytes(StandardCharsets.UTF_8);
      s3.putObject(PutObjectArgs.builder().bucket(EmbeddedStack.OFFSITE_BUCKET).object("probe")
          .stream(new ByteArrayInputStream(body), (long) body.length, -1L).build());

      stack.stopOffsite();
      assertThatThrownBy(() -> s3.getObject(GetObjectArgs.builder().bucket(EmbeddedStack.OFFSITE_BUCKET).object("probe").build())
          .readAllBytes()).as("nothing answers on its port").isInstanceOf(Exception.class);
      stack.startOffsite();
      assertThat(stack.offsite().endpoint()).isEqualTo(offsite);
      assertThat(s3.getObject(GetObjectArgs.builder().bucket(EmbeddedStack.OFFSITE_BUCKET).object("probe").build())
          .readAllBytes()).isEqualTo(body);

      String bootstrap = stack.bootstrapServers();
      Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
      try (Admin client = Admin.create(admin)) {
        client.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
      }
      stack.stopBroker();
      stack.startBroker();
      assertThat(stack.bootstrapServers()).isEqualTo(bootstrap);
      try (Admin client = Admin.create(admin)) {
        assertThat(client.listTopics().names().get(60, TimeUnit.SECONDS)).contains("kept");
      }

      List<String> endpoints = stack.etcd().orElseThrow().endpoints();
      ByteSequence key = ByteSequence.from("/chaos/kept", StandardCharsets.UTF_8);
      try (Client etcd = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
        etcd.getKVClient().put(key, ByteSequence.from("yes", StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
      }
      stack.stopEtcd();
      stack.startEtcd();
      assertThat(stack.etcd().orElseThrow().endpoints()).isEqualTo(endpoints);
      try (Client etcd = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
        assertThat(etcd.getKVClient().get(key).get(30, TimeUnit.SECONDS).getKvs()).singleElement()
            .satisfies(kv -> assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("yes"));
      }
    }
  }
}
