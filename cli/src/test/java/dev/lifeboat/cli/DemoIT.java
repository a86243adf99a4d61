package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.events.v1.VolumeEventType;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import io.minio.GetObjectArgs;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo starts, tells where everything is, audits, and keeps its data. */
class DemoIT {
  @TempDir
  Path dataDir;

  @Test
  void theDemoRunsTheStackWritesEndpointsAuditsEveryComponentAndKeepsItsDataAcrossRuns() throws Exception {
    int auditAfterFirstRun;
    int auditSchemaId;
    try (Demo demo = Demo.start(dataDir, true, Duration.ofMillis(200))) {
      Endpoints endpoints = Endpoints.read(dataDir.resolve("endpoints.json"));
      assertThat(endpoints).isEqualTo(demo.endpoints());
      assertThat(endpoints.stores()).extracting(Endpoints.Store::name).containsExactly("primary", "offsite");
      assertThat(endpoints.kubeconfig()).isNotNull();
      assertThat(Files.exists(Path.of(endpoints.kubeconfig()))).isTrue();
      dev.lifeboat.testing.Required.etcd();
      assertThat(endpoints.etcdEndpoints()).as("the demo runs etcd").isNotEmpty();

      HttpResponse<String> health = get(endpoints.statusUrl() + "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"UP\"");
      assertThat(get(endpoints.statusUrl() + "/metrics").body()).contains("lifeboat_", "jvm_memory_used_bytes");

      var kube = demo.stack().kubernetes().orElseThrow().client();
      assertThat(kube.namespaces().list().getItems()).extracting(n -> n.getMetadata().getName())
          .contains("shop", "blog", "analytics");
      assertThat(kube.genericKubernetesResources(DemoWorkloads.DATABASES).inAnyNamespace().list().getItems()).hasSize(3);

      List<String> expected = List.of("process:demo", "kafka", "schema-registry", "s3:primary", "s3:offsite", "kubernetes", "watcher");
      List<AuditEvent> audit = read(endpoints, Topics.AUDIT, AuditEvent.class, l -> l.stream()
          .filter(e -> e.getAction().equals("component.start")).map(AuditEvent::getSubject).toList().containsAll(expected));
      List<String> started = audit.stream().filter(e -> e.getAction().equals("component.start"))
          .map(AuditEvent::getSubject).toList();
      assertThat(started).containsAll(expected);
      assertThat(audit).allSatisfy(e -> assertThat(e.getHeader().getCluster()).isEqualTo("demo"));

      decodeWithAThirdPartyClient(dataDir, 7);

      // the watcher protects the demo cluster: its objects, its volumes, and snapshot requests for them
      List<ResourceChanged> changes = read(endpoints, Topics.RESOURCE_CHANGES, ResourceChanged.class,
          l -> l.stream().map(ResourceChanged::getNamespace).collect(java.util.stream.Collectors.toSet())
              .containsAll(DemoWorkloads.NAMESPACES) && l.stream().anyMatch(c -> c.getKind().equals("Database")));
      assertThat(changes).extracting(ResourceChanged::getKind).contains("Deployment", "ConfigMap", "Secret", "Database");
      assertThat(changes).filteredOn(c -> c.getKind().equals("Secret") && "shop".equals(c.getNamespace()))
          .allSatisfy(c -> assertThat(new String(c.getObject().array(), StandardCharsets.UTF_8)).doesNotContain("demo-shop-password")
              .doesNotContain(java.util.Base64.getEncoder().encodeToString("demo-shop-password".getBytes(StandardCharsets.UTF_8))));
      List<VolumeEventObserved> volumes = read(endpoints, Topics.VOLUME_EVENTS, VolumeEventObserved.class,
          l -> l.stream().filter(v -> v.getType() == VolumeEventType.MOUNTED).count() >= 3);
      assertThat(volumes).filteredOn(v -> v.getType() == VolumeEventType.MOUNTED).extracting(VolumeEventObserved::getNodePath)
          .contains(dataDir.resolve("volumes").resolve("shop").toAbsolutePath().toString());
      List<SnapshotRequested> requests = read(endpoints, Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class, l -> l.size() >= 3);
      assertThat(requests).extracting(SnapshotRequested::getKind).contains(SnapshotKind.VOLUME);

      // the snapshotter serves them (the volumes' files are on this machine) and takes an etcd snapshot soon after start
      List<SnapshotCompleted> snapshots = read(endpoints, Topics.SNAPSHOTS, SnapshotCompleted.class, l ->
          l.stream().anyMatch(c -> c.getKind() == SnapshotKind.VOLUME) && l.stream().anyMatch(c -> c.getKind() == SnapshotKind.ETCD));
      assertThat(snapshots).anySatisfy(c -> {
        assertThat(c.getKind()).isEqualTo(SnapshotKind.VOLUME);
        assertThat(c.getTotalBytes()).isGreaterThan(2L << 20);
      });
      assertThat(snapshots).anyMatch(c -> c.getKind() == SnapshotKind.ETCD);

      // the replicator copies them to the off-region store, verified, the manifest last
      List<SnapshotReplicated> replicated = read(endpoints, Topics.REPLICATIONS, SnapshotReplicated.class,
          l -> l.stream().anyMatch(r -> r.getStore().equals("offsite") && r.getKind() == SnapshotKind.VOLUME));
      assertThat(replicated).anySatisfy(r -> {
        assertThat(r.getStore()).isEqualTo("offsite");
        assertThat(r.getKind()).isEqualTo(SnapshotKind.VOLUME);
      });
      try (var offsite = demo.stack().offsite().newClient()) {
        String manifest = replicated.stream().filter(r -> r.getStore().equals("offsite")).findFirst().orElseThrow().getManifestKey();
        assertThat(offsite.statObject(io.minio.StatObjectArgs.builder().bucket("lifeboat-offsite").object("lifeboat/" + manifest)
            .build()).size()).isPositive();
      }
      assertThat(get(endpoints.statusUrl() + "/").body()).contains("replication:offsite");

      // the change log reaches the off-region store too, readable there with the repository's keys alone,
      // and the verifier reads each copied segment back
      List<ChangeLogSegmentReplicated> segmentCopies = read(endpoints, Topics.REPLICATIONS,
          ChangeLogSegmentReplicated.class, l -> l.stream().anyMatch(r -> r.getStore().equals("offsite")
              && r.getCluster().equals("demo")));
      String segmentKey = segmentCopies.stream().filter(r -> r.getStore().equals("offsite") && r.getCluster().equals("demo"))
          .map(ChangeLogSegmentReplicated::getSegmentKey).findFirst().orElseThrow();
      Endpoints.Store off = endpoints.stores().get(1);
      SegmentStore offsiteSegments = SegmentStore.open(new S3BlobStore(new StoreConfig(off.name(), off.endpoint(),
          off.bucket(), "lifeboat", off.accessKey(), off.secretKey(), null)), DemoKeys.masterKey(dataDir), "offsite");
      assertThat(SegmentFormat.read(offsiteSegments.read(segmentKey).orElseThrow()).entries()).isNotEmpty()
          .allSatisfy(e -> assertThat(e.change().getHeader().getCluster()).isEqualTo("demo"));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      java.util.regex.Pattern passed = java.util.regex.Pattern.compile(
          "lifeboat_verifier_segments_total\\{outcome=\"passed\",?} ([1-9][0-9.E]*)");
      while (!passed.matcher(get(endpoints.statusUrl() + "/metrics").body()).find() && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      String metrics = get(endpoints.statusUrl() + "/metrics").body();
      assertThat(passed.matcher(metrics).find()).as("a segment read back by the verifier").isTrue();
      assertThat(metrics).containsPattern("lifeboat_verifier_segments_total\\{outcome=\"failed\",?} 0.0");

      // a resource snapshot is proven by a restore into inert scratch namespaces, and none of them is backed up
      List<SnapshotVerified> proofs = read(endpoints, Topics.VERIFICATIONS, SnapshotVerified.class,
          l -> l.stream().anyMatch(v -> v.getKind() == SnapshotKind.RESOURCES));
      SnapshotVerified proof = proofs.stream().filter(v -> v.getKind() == SnapshotKind.RESOURCES).findFirst().orElseThrow();
      assertThat(proof.getPassed()).as("%s", proof.getChecks()).isTrue();
      assertThat(proof.getChecks()).extracting(dev.lifeboat.events.v1.VerificationCheck::getName).contains("scratch-inert");
      String marker = "zz-marker-" + UUID.randomUUID().toString().substring(0, 8);
      kube.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(marker)
          .endMetadata().build()).create();
      kube.configMaps().inNamespace(marker).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
          .withName(marker).endMetadata().build()).create();
      kube.apps().deployments().inNamespace(marker).resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
          .withNewMetadata().withName(marker).endMetadata().build()).create();
      read(endpoints, Topics.RESOURCE_CHANGES, ResourceChanged.class,
          l -> l.stream().filter(c -> c.getName().equals(marker)).count() >= 3);
      KafkaClients kafka = new KafkaClients(endpoints.kafkaBootstrapServers());
      AvroDeserializer<Object> deserializer = new AvroDeserializer<>(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()));
      List<ResourceChanged> all = dev.lifeboat.testing.TopicEnd.readToEnd(kafka, Topics.RESOURCE_CHANGES).stream()
          .map(r -> (ResourceChanged) deserializer.decode(r.topic(), r.partition(), r.offset(), r.value())).toList();
      assertThat(all).as("no scratch object of a verification reached the topic").noneMatch(c ->
          (c.getNamespace() != null && c.getNamespace().startsWith("lifeboat-verify"))
              || (c.getKind().equals("Namespace") && c.getName().startsWith("lifeboat-verify")));

      // what the demo wrote passes its own checks: the primary repository with every byte read, and the pipeline
      CliRun repositoryCheck = CliRun.lifeboat("check", "--data-dir", dataDir.toString(), "--store", "primary", "--read-data");
      assertThat(repositoryCheck.exit()).as(repositoryCheck.toString()).isZero();
      assertThat(repositoryCheck.out()).contains("no problems found");
      CliRun pipelineCheck = CliRun.lifeboat("check", "--data-dir", dataDir.toString(), "--pipeline");
      assertThat(pipelineCheck.exit()).as(pipelineCheck.toString()).isZero();
      assertThat(pipelineCheck.out()).contains("snapshots completed", "changes archived", "no problems found");

      try (var s3 = demo.stack().primary().newClient()) {
        byte[] body = "kept".getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket("lifeboat-primary").object("probe")
            .stream(new ByteArrayInputStream(body), (long) body.length, -1L).build());
      }
      auditAfterFirstRun = audit.size();
      auditSchemaId = new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl())
          .version(Topics.valueSubject(Topics.AUDIT), -1).id();
    }

    try (Demo again = Demo.start(dataDir, true, Duration.ZERO)) {
      Endpoints endpoints = again.endpoints();
      assertThat(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()).version(Topics.valueSubject(Topics.AUDIT), -1).id())
          .isEqualTo(auditSchemaId);
      List<AuditEvent> audit = readAudit(endpoints, auditAfterFirstRun + 7);
      assertThat(audit.stream().filter(e -> e.getAction().equals("component.stop")).map(AuditEvent::getSubject))
          .as("the first run audited its stop").contains("process:demo", "kafka");
      try (var s3 = again.stack().primary().newClient();
          var object = s3.getObject(GetObjectArgs.builder().bucket("lifeboat-primary").object("probe").build())) {
        assertThat(new String(object.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("kept");
      }
    }
  }

  /** Decoded values of a topic, read from the start until {@code until} holds (or 30 s pass). */
  private static <T> List<T> read(Endpoints endpoints, String topic, Class<T> type, java.util.function.Predicate<List<T>> until) {
    KafkaClients kafka = new KafkaClients(endpoints.kafkaBootstrapServers());
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()));
    List<T> values = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("demo-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!until.test(values) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          Object value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (type.isInstance(value)) {
            values.add(type.cast(value));
          }
        });
      }
    }
    return values;
  }

  /** Reads lifeboat.audit with Lifeboat's own deserializer until at least {@code atLeast} events arrived. */
  private static List<AuditEvent> readAudit(Endpoints endpoints, int atLeast) {
    KafkaClients kafka = new KafkaClients(endpoints.kafkaBootstrapServers());
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()));
    List<AuditEvent> events = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("demo-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.AUDIT).stream()
          .map(p -> new TopicPartition(Topics.AUDIT, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (events.size() < atLeast && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200))
            .forEach(r -> events.add((AuditEvent) deserializer.decode(r.topic(), r.partition(), r.offset(), r.value())));
      }
    }
    return events;
  }

  /**
   * kafkajs with @kafkajs/confluent-schema-registry, given only endpoints.json, decodes the audit
   * records: proof that a client that is not ours reads the contract with the registry alone.
   */
  private static void decodeWithAThirdPartyClient(Path dataDir, int events) throws IOException, InterruptedException {
    Path tool = Path.of("..", "tools", "confluent-node-check").toAbsolutePath().normalize();
    if (!Files.isDirectory(tool.resolve("node_modules"))) {
      // .ci/run installs the client; a developer enables the check with the same command
      System.err.println("Third-party client check skipped: run `npm ci --prefix tools/confluent-node-check` to enable it");
      return;
    }
    Process node = new ProcessBuilder("node", "read-audit.mjs", dataDir.toString(), Integer.toString(events), "60")
        .directory(tool.toFile()).redirectErrorStream(true).start();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains("\"action\":\"component.start\"", "\"cluster\":\"demo\"", "decoded " + events + " audit events");
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
