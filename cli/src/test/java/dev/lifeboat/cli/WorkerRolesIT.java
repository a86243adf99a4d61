package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.cli.client.CommandSender;
import dev.lifeboat.cli.client.Connection;
import dev.lifeboat.config.KafkaSecurityConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.embedded.CsiSnapshotController;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.embedded.apiserver.ApiCall;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.lease.Leadership;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.watcher.WatcherConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each worker runs in a process of its own with its own identity, as in the {@code split} overlay
 * (one Deployment and service account per worker), through a whole cycle: the watcher publishes an
 * application, the snapshotter takes resource and CSI snapshots behind its lease, the replicator
 * copies them off-region, the verifier proves them in a scratch namespace, and the commands worker
 * restores the application twice (new objects, then over existing ones); a node agent, whose service
 * account has no role, runs beside them. The local API records every
 * request with its user; each one must be allowed by that worker's roles in {@code deploy/}, and
 * every group, resource and verb a role lists must have been needed by one of them.
 */
@LifeboatIntegrationTest
class WorkerRolesIT {
  private static final Path SPLIT = Path.of("..", "deploy", "overlays", "split").toAbsolutePath().normalize();
  private static final String LIFEBOAT_NAMESPACE = "lifeboat";
  private static final String DRIVER = "csi.example.com";
  private static final List<String> WORKERS = List.of("watcher", "snapshotter", "replicator", "verifier", "commands");
  /** The node agent: the snapshotter of one node's file-level volumes, whose service account has no role at all. */
  private static final String NODE_AGENT = "node-agent";

  private final TestStack stack;
  private final IsolatedCluster isolated;
  private final String cluster;
  private final String namespace;

  WorkerRolesIT(TestStack stack) {
    this.stack = stack;
    this.isolated = new IsolatedCluster(stack, "roles");
    this.cluster = isolated.name();
    this.namespace = cluster;
  }

  @Test
  void everyRequestOfEveryWorkerIsAllowedByItsRoleAndEveryRuleIsNeeded(@TempDir Path dir) throws Exception {
    RbacPolicy policy = RbacPolicy.render(SPLIT);
    LocalKubernetes api = stack.stack().kubernetes().orElseThrow();
    KubernetesClient kube = api.client();
    if (kube.namespaces().withName(LIFEBOAT_NAMESPACE).get() == null) {
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(LIFEBOAT_NAMESPACE).endMetadata().build())
          .create();
    }
    api.provisionVolumes(dir.resolve("provisioned"));
    LocalMoverPods.serve(api);
    application(kube, dir.resolve("volume-files"));
    api.recordCalls();

    List<LifeboatProcess> processes = new ArrayList<>();
    try (CsiSnapshotController csi = new CsiSnapshotController(kube, DRIVER, 1L << 30)) {
      if (kube.genericKubernetesResources(CsiSnapshotController.CLASSES).withName("roles-csi").get() == null) {
        csi.createDefaultClass("roles-csi");
      }
      for (String worker : WORKERS) {
        Path kubeconfig = api.writeKubeconfig(dir.resolve(worker + ".kubeconfig"), user(worker));
        processes.add(new LifeboatProcess(config(dir, kubeconfig), "roles-it-" + worker).only(Set.of(worker)).start());
      }
      LifeboatConfig agent = config(dir, api.writeKubeconfig(dir.resolve("node-agent.kubeconfig"), user(NODE_AGENT)));
      SnapshotterConfig agentSettings = agent.section(SnapshotterConfig.SECTION);
      processes.add(new LifeboatProcess(agent.with(SnapshotterConfig.SECTION, new SnapshotterConfig(true,
          agentSettings.masterKey(), Duration.ZERO, "node-a", 2, agentSettings.csiTimeout(), "", Duration.ZERO, Duration.ZERO)),
          "roles-it-node-agent")
          .only(Set.of("snapshotter")).start());

      String files = kube.persistentVolumeClaims().inNamespace(namespace).withName("files").get().getMetadata().getUid();
      SnapshotCompleted fileVolume = await(Topics.SNAPSHOTS, SnapshotCompleted.class, s -> s.getTarget().equals(files),
          "the node agent's snapshot of the claim files");
      // a resource snapshot cut after it: the restore fills the claim from it, through a data-mover pod
      SnapshotCompleted resources = await(Topics.SNAPSHOTS, SnapshotCompleted.class,
          s -> s.getKind() == SnapshotKind.RESOURCES && s.getStartedAt().isAfter(fileVolume.getStartedAt()),
          "a resource snapshot after the volume snapshot");
      String data = kube.persistentVolumeClaims().inNamespace(namespace).withName("data").get().getMetadata().getUid();
      String broken = kube.persistentVolumeClaims().inNamespace(namespace).withName("broken").get().getMetadata().getUid();
      await(Topics.SNAPSHOTS, SnapshotCompleted.class, s -> s.getTarget().equals(data), "a CSI snapshot of the claim data");
      SnapshotFailed failed = await(Topics.SNAPSHOTS, SnapshotFailed.class, s -> s.getTarget().equals(broken),
          "the failed CSI snapshot of the claim broken (its VolumeSnapshot is deleted)");
      assertThat(failed.getReason()).contains("the disk is on fire");
      // The topic contract lets any producer request a snapshot; one that names no CSI driver has the
      // snapshotter read it from the claim's volume.
      String request = requestWithoutDriver(data);
      await(Topics.SNAPSHOTS, SnapshotCompleted.class, s -> s.getRequestId().equals(request),
          "a CSI snapshot requested without the driver");
      SnapshotVerified proven = await(Topics.VERIFICATIONS, SnapshotVerified.class,
          v -> v.getKind() == SnapshotKind.RESOURCES && v.getOutcome() == VerificationOutcome.PASSED,
          "a resource snapshot proven in a scratch namespace");
      await(Topics.VERIFICATIONS, SnapshotVerified.class,
          v -> v.getKind() == SnapshotKind.VOLUME && v.getOutcome() == VerificationOutcome.CHECKED_NOT_RESTORED,
          "the CSI snapshot checked where it lives");
      assertThat(proven.getScratchTarget()).contains("lifeboat-verify");

      Connection connection = new Connection(cluster, stack.kafka().bootstrapServers(), Map.of(), KafkaSecurityConfig.PLAINTEXT,
          new LifeboatConfig.RegistryConfig(stack.stack().endpoints().schemaRegistryUrl()), List.of(), null);
      for (ConflictPolicy conflict : List.of(ConflictPolicy.SKIP, ConflictPolicy.UPDATE)) {
        if (conflict == ConflictPolicy.UPDATE) { // changed since the first restore: the second one puts it back
          kube.configMaps().inNamespace(namespace + "-copy").withName("settings")
              .edit(c -> new ConfigMapBuilder(c).addToData("color", "red").build());
        }
        String id = CommandSender.send(connection, Restore.newBuilder().setKind(SnapshotKind.RESOURCES)
            .setNamespaces(List.of(namespace)).setNamespaceMapping(Map.of(namespace, namespace + "-copy"))
            .setStorageClassMapping(Map.of("standard", LocalKubernetes.STORAGE_CLASS))
            .setSnapshotId(resources.getSnapshotId()).setConflictPolicy(conflict).build(), "roles-it");
        AuditEvent done = await(Topics.AUDIT, AuditEvent.class, e -> e.getHeader().getCorrelationId().equals(id)
            && e.getAction().equals("command.restore") && e.getOutcome() != AuditOutcome.ACCEPTED
            && e.getOutcome() != AuditOutcome.STARTED && e.getOutcome() != AuditOutcome.PROGRESSING, "restore " + conflict);
        assertThat(done.getOutcome()).as("%s", done).isEqualTo(AuditOutcome.SUCCEEDED);
      }
      assertThat(kube.configMaps().inNamespace(namespace + "-copy").withName("settings").get().getData())
          .containsEntry("color", "blue");
      // one recovery point of the application: its resources and every claim's volume, between its hooks
      String point = CommandSender.send(connection, dev.lifeboat.commands.v1.SnapshotNow.newBuilder()
          .setKind(SnapshotKind.RESOURCES).setTarget(namespace).setApplication(true).build(), "roles-it");
      AuditEvent recovered = await(Topics.AUDIT, AuditEvent.class, e -> e.getHeader().getCorrelationId().equals(point)
          && e.getAction().equals("command.snapshot-now") && (e.getOutcome() == AuditOutcome.SUCCEEDED
          || e.getOutcome() == AuditOutcome.PARTIALLY_FAILED || e.getOutcome() == AuditOutcome.FAILED
          || e.getOutcome() == AuditOutcome.REJECTED), "the application's recovery point");
      assertThat(recovered.getDetails()).as("%s", recovered).containsKey("resources").containsKey("volume.data")
          .containsKey("volume.files");
      assertThat(recovered.getDetails().get("volume.files")).as("the node agent's snapshot").doesNotContain("failed");
      // the CSI claim's data source is its snapshot, pre-provisioned from the recorded handle
      var restoredData = kube.persistentVolumeClaims().inNamespace(namespace + "-copy").withName("data").get();
      String snapshotName = restoredData.getSpec().getDataSource().getName();
      assertThat(restoredData.getSpec().getDataSource().getKind()).isEqualTo("VolumeSnapshot");
      var preProvisioned = kube.genericKubernetesResources(CsiSnapshotController.SNAPSHOTS).inNamespace(namespace + "-copy")
          .withName(snapshotName).get();
      assertThat(preProvisioned).as("the VolumeSnapshot the claim names").isNotNull();
      @SuppressWarnings("unchecked")
      Map<String, Object> source = (Map<String, Object>) ((Map<String, Object>) preProvisioned.getAdditionalProperties()
          .get("spec")).get("source");
      var content = kube.genericKubernetesResources(CsiSnapshotController.CONTENTS)
          .withName((String) source.get("volumeSnapshotContentName")).get();
      assertThat(content.getAdditionalProperties().get("spec").toString()).contains("snapshotHandle", "deletionPolicy=Retain",
          DRIVER);
      Path filled = api.volumeDirectory(namespace + "-copy", "files");
      assertThat(filled.resolve("PG_VERSION")).hasContent("16");
      assertThat(java.nio.file.Files.size(filled.resolve("base").resolve("1"))).isEqualTo(300_000);
    } finally {
      for (LifeboatProcess p : processes) {
        p.close();
      }
    }

    List<String> identities = new ArrayList<>(WORKERS);
    identities.add(NODE_AGENT);
    List<ApiCall> calls = api.calls().stream().filter(c -> identities.stream().anyMatch(w -> c.user().equals(user(w)))).toList();
    assertThat(calls).as("requests made by the workers").isNotEmpty();
    List<String> refused = calls.stream().filter(c -> policy.allowing(c).isEmpty()).map(ApiCall::toString).distinct().toList();
    assertThat(refused).as("requests the roles in %s do not allow", SPLIT).isEmpty();
    List<String> unused = new ArrayList<>();
    for (String worker : identities) {
      unused.addAll(policy.unused(user(worker), calls));
    }
    assertThat(unused).as("what the roles grant that no request needed").isEmpty();
  }

  private static String user(String worker) {
    return RbacPolicy.user(LIFEBOAT_NAMESPACE, "lifeboat-" + worker);
  }

  /**
   * An application: settings, a secret, a Deployment, a Service, two claims on CSI volumes and one on
   * a host-path volume a pod on node-a mounts (its files are read by that node's agent).
   */
  private void application(KubernetesClient kube, Path files) throws java.io.IOException {
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    kube.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata()
        .addToData("color", "blue").build()).create();
    kube.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
        .addToStringData("password", "s3cret").build()).create();
    kube.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder().withNewMetadata().withName("web")
        .endMetadata().withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer()
        .withName("web").withImage("nginx:1.27").endContainer().endSpec().endTemplate().endSpec().build()).create();
    kube.services().inNamespace(namespace).resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).endPort().endSpec().build()).create();
    claim(kube, "data", Map.of());
    claim(kube, "broken", Map.of(CsiSnapshotController.FAIL_ANNOTATION, "the disk is on fire"));
    java.nio.file.Files.createDirectories(files.resolve("base"));
    java.nio.file.Files.writeString(files.resolve("PG_VERSION"), "16\n");
    java.nio.file.Files.write(files.resolve("base").resolve("1"), new byte[300_000]);
    String volume = "pv-files-" + cluster;
    var claim = kube.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("files").endMetadata().withNewSpec().withStorageClassName("standard")
        .withAccessModes("ReadWriteOnce").withVolumeName(volume).withNewResources().addToRequests("storage", new Quantity("1Gi"))
        .endResources().endSpec().withNewStatus().withPhase("Bound").endStatus().build()).create();
    kube.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(volume).endMetadata()
        .withNewSpec().withStorageClassName("standard").addToCapacity("storage", new Quantity("1Gi"))
        .withAccessModes("ReadWriteOnce").withNewClaimRef().withNamespace(namespace).withName("files")
        .withUid(claim.getMetadata().getUid()).endClaimRef().withNewHostPath().withPath(files.toString()).endHostPath()
        .endSpec().withNewStatus().withPhase("Bound").endStatus().build()).create();
    kube.pods().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
        .withName("db-0").endMetadata().withNewSpec().withNodeName("node-a").addNewContainer().withName("db")
        .withImage("postgres:16").addNewVolumeMount().withName("data").withMountPath("/var/lib/postgresql").endVolumeMount()
        .endContainer().addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("files")
        .endPersistentVolumeClaim().endVolume().endSpec().withNewStatus().withPhase("Running").endStatus().build()).create();
  }

  /** A claim bound to a CSI volume of {@link #DRIVER}. */
  private void claim(KubernetesClient kube, String name, Map<String, String> annotations) {
    String volume = "pv-" + name + "-" + cluster;
    var claim = kube.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).withAnnotations(annotations).endMetadata().withNewSpec().withStorageClassName("fast")
        .withAccessModes("ReadWriteOnce").withVolumeName(volume).withNewResources().addToRequests("storage", new Quantity("1Gi"))
        .endResources().endSpec().withNewStatus().withPhase("Bound").endStatus().build()).create();
    kube.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(volume).endMetadata()
        .withNewSpec().withStorageClassName("fast").addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce")
        .withNewClaimRef().withNamespace(namespace).withName(name).withUid(claim.getMetadata().getUid()).endClaimRef()
        .withNewCsi().withDriver(DRIVER).withVolumeHandle("vol-" + name).endCsi().endSpec()
        .withNewStatus().withPhase("Bound").endStatus().build()).create();
  }

  /** A CSI snapshot request for the claim as another producer may send it: no csiDriver parameter. */
  private String requestWithoutDriver(String claimUid) throws Exception {
    String id = UUID.randomUUID().toString();
    SnapshotRequested request = SnapshotRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(java.time.Instant.now())
            .setCluster(cluster).setSource("roles-it").setCorrelationId(id).build())
        .setRequestId(id).setKind(SnapshotKind.VOLUME).setTarget(claimUid).setReason(RequestReason.COMMAND)
        .setParameters(Map.of("method", "csi", "namespace", namespace, "pvc", "data")).build();
    byte[] value = new AvroSerializer<>(stack.registry()).serialize(Topics.SNAPSHOT_REQUESTS, request);
    try (var producer = stack.kafka().producer("roles-it")) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.SNAPSHOT_REQUESTS,
          claimUid.getBytes(java.nio.charset.StandardCharsets.UTF_8), value)).get();
    }
    return id;
  }

  private LifeboatConfig config(Path dir, Path kubeconfig) {
    LifeboatConfig base = isolated.config(dir);
    base = new LifeboatConfig(base.cluster(), base.kafka(), base.registry(), base.stores(),
        new KubernetesConfig(kubeconfig.toString(), null), base.etcd(), base.status(), base.encryption(), base.repository(),
        base.retention(), base.sections());
    SnapshotterConfig s = base.section(SnapshotterConfig.SECTION);
    VerifierConfig v = base.section(VerifierConfig.SECTION);
    return base
        .with(WatcherConfig.SECTION, new WatcherConfig(true, List.of(), List.of(), List.of(namespace), List.of(), null, true,
            Duration.ofMinutes(1), List.of("Secret"), 10_000, "lz4",
            List.of(new VolumePolicy("fast", null, VolumePolicy.Mode.ON_CHANGE, null, VolumePolicy.Method.CSI),
                new VolumePolicy("standard", null, VolumePolicy.Mode.ON_CHANGE, null, VolumePolicy.Method.FILE))))
        .with(SnapshotterConfig.SECTION, new SnapshotterConfig(true, s.masterKey(), Duration.ZERO, "", 2, s.csiTimeout(),
            "", Duration.ofSeconds(5), Duration.ofSeconds(5)))
        .with(VerifierConfig.SECTION, new VerifierConfig(true, 1.0, 3, v.rotationPeriod(), "", "", "", v.namespacePrefix(),
            dir.resolve("verify"), 2))
        .with(LeaseConfig.SECTION, new LeaseConfig(true, new Leadership.Settings(LIFEBOAT_NAMESPACE, Duration.ofSeconds(3),
            Duration.ofSeconds(2), Duration.ofMillis(300))));
  }

  /** The first record of the topic, for this cluster, that {@code matches}: read from the beginning until it comes. */
  private <T> T await(String topic, Class<T> type, Predicate<T> matches, String what) {
    AvroDeserializer<Object> avro = new AvroDeserializer<>(stack.registry());
    List<T> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer("roles-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Awaitility.await(what).atMost(Duration.ofSeconds(120)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
          .until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> {
              Object value = r.value() == null ? null : avro.decode(r.topic(), r.partition(), r.offset(), r.value());
              if (type.isInstance(value) && cluster.equals(clusterOf(value)) && matches.test(type.cast(value))) {
                found.add(type.cast(value));
              }
            });
            return !found.isEmpty();
          });
    }
    return found.get(0);
  }

  private static String clusterOf(Object value) {
    if (value instanceof org.apache.avro.generic.GenericRecord r && r.get("header") instanceof dev.lifeboat.events.v1.Header h) {
      return h.getCluster();
    }
    return null;
  }
}
