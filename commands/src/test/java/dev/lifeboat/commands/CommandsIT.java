package dev.lifeboat.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.commands.v1.Cancel;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.commands.v1.VerifyNow;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.events.v1.VerificationRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.serde.WireFormat;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands worker on the real embedded stack: malformed commands never stop it, every command is
 * validated against the repository and the target cluster, a command delivered twice runs once (also
 * after a restart), a running command can be cancelled, restores of every kind (dry runs too) go
 * through the restore engine and write real files and objects, and VerifyNow asks the verifier with a
 * typed request.
 */
@LifeboatIntegrationTest
class CommandsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant CUT = Instant.parse("2026-01-01T12:00:00Z");

  private final String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<AutoCloseable> closing = new ArrayList<>();
  private TestStack stack;
  private RepositoryFixture repository;
  private AuditLog audit;
  private CommandsSettings settings;
  private String resourceSnapshot;
  private CommandsWorker worker;
  private WorkerRuntime workerRuntime;

  @TempDir
  Path dir;

  @BeforeEach
  void start(TestStack testStack) throws Exception {
    stack = testStack;
    settings = CommandsSettings.defaults().withTopics(stack.newTopic("commands", 1), stack.newTopic("snapshot-requests", 1),
        stack.newTopic("snapshots", 1), stack.newTopic("verifications", 1), stack.newTopic("replications", 1));
    repository = new RepositoryFixture(stack, cluster);
    closing.add(repository);
    resourceSnapshot = repository.resources(CUT, List.of(
        ResourceChanges.in(cluster).namespace("shop").configMap("web").data("v1"),
        ResourceChanges.in(cluster).namespace("shop").configMap("db").data("v1"),
        ResourceChanges.in(cluster).namespace("blog").configMap("posts").data("v1"),
        ResourceChanges.in(cluster).clusterScoped().kind("", "v1", "Namespace").name("shop")));
    audit = new AuditLog(stack);
    closing.add(audit);
    startWorker("it-" + cluster + "-");
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private void stopWorker() throws Exception {
    worker.close();
    workerRuntime.close();
  }

  private CommandsWorker startWorker(String groupPrefix) {
    WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("it"), new SimpleMeterRegistry(),
        new Health(Clock.systemUTC()), groupPrefix);
    closing.add(runtime);
    workerRuntime = runtime;
    var kube = stack.stack().kubernetes().orElseThrow();
    TargetClusters targets = new TargetClusters(cluster, kube::client, Path.of(stack.stack().endpoints().kubeconfig()), null);
    RestoreData data = repository.data();
    CommandsWorker worker = CommandsWorker.start(runtime, stack.events("it"), settings, data, targets, null);
    closing.add(worker);
    this.worker = worker;
    return worker;
  }

  private static Command command(String id, Object action) {
    return Command.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now()).setCluster("test")
            .setSource("test").setCorrelationId(id).build())
        .setCommandId(id).setRequestedBy("it-operator").setRequestedAt(Instant.now()).setAction(action).build();
  }

  private String send(Object action) {
    String id = UUID.randomUUID().toString();
    stack.send(settings.commandsTopic(), id, command(id, action));
    return id;
  }

  private static Restore.Builder restore() {
    return Restore.newBuilder();
  }

  @Test
  void aThousandMalformedCommandsAreDeadLetteredOrRejectedAndTheWorkerGoesOn() throws Exception {
    String topic = settings.commandsTopic();
    AvroSerializer<Object> serializer = new AvroSerializer<>(stack.registry());
    Random random = new Random(7);
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < 350; i++) { // garbage: short, wrong magic byte, or no value at all
      byte[] bytes = new byte[random.nextInt(40)];
      random.nextBytes(bytes);
      if (bytes.length > 0 && i % 3 == 0) {
        bytes[0] = 1;
      }
      values.add(i % 50 == 0 ? null : bytes);
    }
    for (int i = 0; i < 350; i++) { // the wire format, with a schema id the registry never issued
      byte[] body = new byte[1 + random.nextInt(60)];
      random.nextBytes(body);
      values.add(ByteBuffer.allocate(WireFormat.HEADER_LENGTH + body.length).put(WireFormat.MAGIC_BYTE)
          .putInt(900_000 + i).put(body).array());
    }
    List<Function<Integer, Command>> invalid = List.of(
        i -> command("", restore().setNamespaces(List.of("shop")).setDryRun(true).build()),
        i -> command("self-" + i, restore().setNamespaces(List.of("shop")).setNamespaceMapping(Map.of("shop", "shop")).build()),
        i -> command("both-" + i, restore().setSnapshotId("20260101T120000Z-abcdef").setAtTime(CUT).build()),
        i -> command("blank-target-" + i, SnapshotNow.newBuilder().setKind(SnapshotKind.ETCD).setTarget(" ").build()),
        i -> command("cancel-" + i, Cancel.newBuilder().setCommandIdToCancel("never-ran-" + i).build()),
        i -> command("volume-" + i, restore().setKind(SnapshotKind.VOLUME).setTargetPath("relative/path").build()),
        i -> command("verify-" + i, VerifyNow.newBuilder().build()),
        i -> command("bad-ns-" + i, restore().setNamespaces(List.of("Not_A_Namespace")).build()),
        i -> Command.newBuilder(command("nobody-" + i, restore().build())).setRequestedBy("").build(),
        i -> command("unknown-snapshot-" + i, restore().setSnapshotId("20200101T000000Z-000000").build()));
    for (int i = 0; i < 300; i++) {
      values.add(serializer.serialize(topic, invalid.get(i % invalid.size()).apply(i)));
    }
    try (KafkaProducer<byte[], byte[]> producer = stack.kafka().producer("it-malformed")) {
      for (byte[] value : values) {
        producer.send(new ProducerRecord<>(topic, "malformed".getBytes(StandardCharsets.UTF_8), value));
      }
    }
    String valid = send(restore().setNamespaces(List.of("shop")).setNamespaceMapping(Map.of("shop", "shop-copy"))
        .setDryRun(true).build());

    AuditEvent finished = audit.finished(valid, Duration.ofMinutes(3));
    assertThat(finished.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(finished.getDetails()).containsEntry("objects", "2").containsEntry("namespaces", "shop->shop-copy:2");

    List<ConsumerRecord<byte[], byte[]>> dead = stack.readRaw(dev.lifeboat.schemas.topics.Topics.DLQ, WAIT,
        l -> l.stream().filter(r -> fromTopic(r, topic)).count() >= 700);
    Set<Long> deadOffsets = new HashSet<>();
    dead.stream().filter(r -> fromTopic(r, topic)).forEach(r -> deadOffsets.add(Long.parseLong(header(r,
        DeadLetterPublisher.HEADER_OFFSET))));
    List<AuditEvent> events = audit.await(WAIT, all -> all.stream().filter(e -> e.getOutcome() == AuditOutcome.REJECTED
        && e.getDetails().getOrDefault(CommandAudit.DETAIL_RECORD, "").startsWith(topic)).count() >= 300);
    Set<Long> rejectedOffsets = new HashSet<>();
    events.stream().filter(e -> e.getOutcome() == AuditOutcome.REJECTED
            && e.getDetails().getOrDefault(CommandAudit.DETAIL_RECORD, "").startsWith(topic))
        .forEach(e -> rejectedOffsets.add(offsetOf(e.getDetails().get(CommandAudit.DETAIL_RECORD))));
    long deadLetterEvents = events.stream().filter(e -> e.getAction().equals("record.dead-lettered")
        && e.getSubject().startsWith(topic + "-")).count();

    assertThat(deadOffsets).hasSize(700);
    assertThat(deadLetterEvents).isEqualTo(700);
    assertThat(rejectedOffsets).hasSize(300);
    assertThat(deadOffsets).doesNotContainAnyElementsOf(rejectedOffsets);
    Set<Long> all = new HashSet<>(deadOffsets);
    all.addAll(rejectedOffsets);
    assertThat(all).hasSize(1000).allMatch(o -> o >= 0 && o < 1000); // every malformed record answered, once
    assertThat(events.stream().filter(e -> e.getOutcome() == AuditOutcome.REJECTED
        && e.getReason().contains("maps a namespace onto itself"))).hasSize(30);
    assertThat(events.stream().filter(e -> e.getOutcome() == AuditOutcome.REJECTED
        && e.getReason().contains("unknown snapshot 20200101T000000Z-000000"))).hasSize(30);

    String after = send(restore().setDryRun(true).build()); // still consuming
    assertThat(audit.finished(after, WAIT).getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
  }

  private static boolean fromTopic(ConsumerRecord<byte[], byte[]> r, String topic) {
    return topic.equals(header(r, DeadLetterPublisher.HEADER_TOPIC));
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static long offsetOf(String position) {
    return Long.parseLong(position.substring(position.lastIndexOf('@') + 1));
  }

  @Test
  void commandsAreRejectedWithAReasonWhenWhatTheyNameDoesNotExist() throws Exception {
    String existing = "existing-" + UUID.randomUUID().toString().substring(0, 8);
    stack.stack().kubernetes().orElseThrow().client().namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(existing).endMetadata().build()).create();

    String unknownSnapshot = send(restore().setSnapshotId("20250101T000000Z-0a0b0c").build());
    String beforeOldest = send(restore().setAtTime(CUT.minus(Duration.ofDays(1))).setDryRun(true).build());
    String unknownTarget = send(restore().setTargetCluster("nowhere").setDryRun(true).build());
    String ontoExisting = send(restore().setNamespaces(List.of("shop")).setNamespaceMapping(Map.of("shop", existing))
        .setDryRun(true).build());
    String wrongKind = send(restore().setKind(SnapshotKind.VOLUME).setSnapshotId(resourceSnapshot)
        .setTargetPath(dir.resolve("v").toString()).build());
    String ontoExistingWithUpdate = send(restore().setNamespaces(List.of("shop")).setNamespaceMapping(Map.of("shop", existing))
        .setConflictPolicy(ConflictPolicy.UPDATE).setDryRun(true).build());
    String namedContext = send(restore().setTargetCluster("lifeboat-local").setSnapshotId(resourceSnapshot).setDryRun(true).build());

    assertRejected(unknownSnapshot, "unknown snapshot 20250101T000000Z-0a0b0c");
    assertRejected(beforeOldest, "is before the oldest retained data", CUT.toString());
    assertRejected(unknownTarget, "unknown target cluster 'nowhere'", "lifeboat-local", cluster);
    assertRejected(ontoExisting, "namespace " + existing + " already exists in cluster " + cluster, "SKIP");
    assertRejected(wrongKind, "is a RESOURCES snapshot, not VOLUME");
    AuditEvent update = audit.finished(ontoExistingWithUpdate, WAIT);
    assertThat(update.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(update.getDetails()).containsEntry("namespaces", "shop->" + existing + ":2");
    AuditEvent context = audit.finished(namedContext, WAIT);
    assertThat(context.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(context.getDetails()).containsEntry("objects", "4").containsEntry("snapshotId", resourceSnapshot);
    // accepted commands say so first, then started, then finished, all under the command id
    assertThat(audit.of(namedContext)).extracting(AuditEvent::getOutcome)
        .startsWith(AuditOutcome.ACCEPTED, AuditOutcome.STARTED).endsWith(AuditOutcome.SUCCEEDED);
    assertThat(audit.of(namedContext)).allSatisfy(e -> {
      assertThat(e.getAction()).isEqualTo(CommandAudit.RESTORE);
      assertThat(e.getActor()).isEqualTo("it-operator");
    });
  }

  private void assertRejected(String commandId, String... reasonParts) throws InterruptedException {
    AuditEvent finished = audit.finished(commandId, WAIT);
    assertThat(finished.getOutcome()).as(finished.toString()).isEqualTo(AuditOutcome.REJECTED);
    assertThat(finished.getReason()).contains(reasonParts);
    assertThat(audit.of(commandId)).hasSize(1);
  }

  @Test
  void aCommandDeliveredTwiceRunsOnceEvenAfterARestart() throws Exception {
    String id = UUID.randomUUID().toString();
    Command twice = command(id, restore().setSnapshotId(resourceSnapshot).setDryRun(true).build());
    stack.send(settings.commandsTopic(), id, twice);
    assertThat(audit.finished(id, WAIT).getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    stack.send(settings.commandsTopic(), id, twice);
    audit.await(WAIT, all -> all.stream().anyMatch(e -> id.equals(e.getHeader().getCorrelationId())
        && e.getOutcome() == AuditOutcome.INFO));

    // a new consumer group reads the topic from the start again: both deliveries come back
    stopWorker();
    startWorker("it-" + cluster + "-again-");
    String marker = send(restore().setSnapshotId(resourceSnapshot).setDryRun(true).build());
    audit.await(WAIT, all -> all.stream().filter(e -> id.equals(e.getHeader().getCorrelationId())
        && e.getOutcome() == AuditOutcome.INFO).count() >= 3 && all.stream().filter(e -> marker.equals(
            e.getHeader().getCorrelationId()) && CommandAudit.isTerminal(e.getOutcome())).count() >= 1);
    // the commands topic has one partition: the duplicate was handled before the marker. Everything the
    // worker sent is acknowledged, and the audit log has read the topic to its end.
    workerRuntime.context().producer().flush();
    audit.awaitCaughtUp(WAIT);
    List<AuditEvent> events = audit.of(id);
    assertThat(events.stream().filter(e -> e.getOutcome() == AuditOutcome.ACCEPTED)).hasSize(1);
    assertThat(events.stream().filter(e -> e.getOutcome() == AuditOutcome.STARTED)).hasSize(1);
    assertThat(events.stream().filter(e -> e.getOutcome() == AuditOutcome.SUCCEEDED)).hasSize(1);
    assertThat(events.stream().filter(e -> e.getOutcome() == AuditOutcome.INFO))
        .allSatisfy(e -> assertThat(e.getReason()).contains(CommandAudit.REASON_DUPLICATE));
    assertThat(audit.of(marker).stream().filter(e -> e.getOutcome() == AuditOutcome.ACCEPTED)).hasSize(1);
    // the restarted worker counts what it answered: two duplicates, one new command
    assertThat(worker.answers(CommandAudit.RESTORE, AuditOutcome.INFO)).isEqualTo(2);
    assertThat(worker.answers(CommandAudit.RESTORE, AuditOutcome.ACCEPTED)).isEqualTo(1);
  }

  @Test
  void snapshotNowAsksTheSnapshotterAndFinishesWithItsAnswerAndARunningCommandCanBeCancelled() throws Exception {
    String answered = send(SnapshotNow.newBuilder().setKind(SnapshotKind.RESOURCES).setTarget("cluster").build());
    List<SnapshotRequested> requests = stack.read(settings.snapshotRequestsTopic(), SnapshotRequested.class, WAIT,
        l -> !l.isEmpty());
    SnapshotRequested request = requests.get(0);
    assertThat(request.getRequestId()).isEqualTo(answered);
    assertThat(request.getReason()).isEqualTo(RequestReason.COMMAND);
    assertThat(request.getHeader().getCorrelationId()).isEqualTo(answered);
    audit.awaitOutcome(answered, AuditOutcome.STARTED, WAIT);
    stack.send(settings.snapshotsTopic(), "20260101T120000Z-aaaaaa", SnapshotCompleted.newBuilder()
        .setHeader(stack.events("snapshotter").header(answered)).setSnapshotId("20260101T120000Z-aaaaaa")
        .setRequestId(answered).setKind(SnapshotKind.RESOURCES).setTarget("cluster").setPhase(SnapshotPhase.COMPLETED)
        .setRepository("it").setManifestKey("k").setManifestSha256("s").setTotalBytes(10).setNewBytes(5).setChunkCount(1)
        .setNewChunkCount(1).setItemCount(4).setStartedAt(Instant.now()).setDurationMillis(3).build());
    AuditEvent done = audit.finished(answered, WAIT);
    assertThat(done.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(done.getDetails()).containsEntry("snapshotId", "20260101T120000Z-aaaaaa").containsEntry("items", "4");

    String waiting = send(SnapshotNow.newBuilder().setKind(SnapshotKind.ETCD).setTarget("etcd").build());
    audit.awaitOutcome(waiting, AuditOutcome.STARTED, WAIT);
    String cancel = send(Cancel.newBuilder().setCommandIdToCancel(waiting).build());
    AuditEvent cancelled = audit.finished(waiting, WAIT);
    assertThat(cancelled.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(cancelled.getReason()).contains("cancelled by command " + cancel);
    assertThat(cancelled.getDetails()).containsEntry(CommandAudit.DETAIL_CANCELLED, "true");
    AuditEvent cancelDone = audit.finished(cancel, WAIT);
    assertThat(cancelDone.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(cancelDone.getAction()).isEqualTo(CommandAudit.CANCEL);

    String again = send(Cancel.newBuilder().setCommandIdToCancel(waiting).build());
    assertThat(audit.finished(again, WAIT).getReason()).contains("already finished");
  }

  @Test
  void aCommandStillRunningWhenTheWorkerStopsIsReportedInterrupted() throws Exception {
    String waiting = send(SnapshotNow.newBuilder().setKind(SnapshotKind.ETCD).setTarget("etcd").build());
    audit.awaitOutcome(waiting, AuditOutcome.STARTED, WAIT);
    stopWorker();
    AuditEvent finished = audit.finished(waiting, WAIT);
    assertThat(finished.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(finished.getReason()).startsWith("interrupted");
  }

  @Test
  void volumeAndEtcdRestoresWriteTheSnapshotsBytesToTheTargetPath() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 17];
    new Random(3).nextBytes(big);
    String volume = repository.volume(CUT, "pvc-uid-1", Map.of("data/big.bin", big, "hello.txt",
        "hello".getBytes(StandardCharsets.UTF_8)));
    byte[] database = new byte[1024 * 1024];
    new Random(4).nextBytes(database);
    String etcd = repository.etcd(CUT.plusSeconds(60), database);

    Path volumeTarget = dir.resolve("volume");
    Path etcdTarget = dir.resolve("etcd/restored.db");
    String volumeRestore = send(restore().setKind(SnapshotKind.VOLUME).setSnapshotId(volume)
        .setTargetPath(volumeTarget.toString()).build());
    String etcdRestore = send(restore().setKind(SnapshotKind.ETCD).setTargetPath(etcdTarget.toString()).build());

    AuditEvent v = audit.finished(volumeRestore, WAIT);
    assertThat(v.getOutcome()).as(v.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(v.getDetails()).containsEntry("files", "2").containsEntry("failed", "0");
    assertThat(Files.readAllBytes(volumeTarget.resolve("data/big.bin"))).isEqualTo(big);
    assertThat(Files.readString(volumeTarget.resolve("hello.txt"))).isEqualTo("hello");
    AuditEvent e = audit.finished(etcdRestore, WAIT);
    assertThat(e.getOutcome()).as(e.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(e.getDetails()).containsEntry("snapshotId", etcd).containsEntry("bytes", Integer.toString(database.length));
    assertThat(Files.readAllBytes(etcdTarget)).isEqualTo(database);

    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(etcdTarget)))
        .as("the database holds every Secret").isEqualTo("rw-------");

    String again = send(restore().setKind(SnapshotKind.VOLUME).setSnapshotId(volume).setTargetPath(volumeTarget.toString()).build());
    AuditEvent notEmpty = audit.finished(again, WAIT);
    assertThat(notEmpty.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(notEmpty.getReason()).contains("is not an empty directory");
    String etcdAgain = send(restore().setKind(SnapshotKind.ETCD).setTargetPath(etcdTarget.toString()).build());
    AuditEvent exists = audit.finished(etcdAgain, WAIT);
    assertThat(exists.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(exists.getReason()).contains("exists");
    assertThat(Files.readAllBytes(etcdTarget)).isEqualTo(database);

    // dry runs check the target as the restore does, count, and write nothing
    Path untouched = dir.resolve("dry");
    String volumeDry = send(restore().setKind(SnapshotKind.VOLUME).setSnapshotId(volume).setTargetPath(untouched.toString())
        .setDryRun(true).build());
    String etcdDry = send(restore().setKind(SnapshotKind.ETCD).setTargetPath(untouched.resolve("etcd.db").toString())
        .setDryRun(true).build());
    AuditEvent vd = audit.finished(volumeDry, WAIT);
    assertThat(vd.getOutcome()).as(vd.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(vd.getDetails()).containsEntry("files", "2").containsEntry("bytes", Integer.toString(big.length + 5))
        .containsEntry("dryRun", "true");
    AuditEvent ed = audit.finished(etcdDry, WAIT);
    assertThat(ed.getOutcome()).as(ed.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(ed.getDetails()).containsEntry("bytes", Integer.toString(database.length)).containsEntry("dryRun", "true");
    assertThat(Files.exists(untouched)).isFalse();
  }

  @Test
  void aResourceRestoreGoesThroughTheEngineIntoTheTargetCluster() throws Exception {
    String copy = "shop-" + UUID.randomUUID().toString().substring(0, 8);
    String restored = send(restore().setSnapshotId(resourceSnapshot).setNamespaces(List.of("shop"))
        .setNamespaceMapping(Map.of("shop", copy)).build());

    AuditEvent finished = audit.finished(restored, WAIT);
    assertThat(finished.getOutcome()).as(finished.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(finished.getDetails()).containsEntry("objects", "2").containsEntry("create", "2")
        .containsEntry("namespaces", "shop->" + copy + ":2").containsEntry("namespacesCreated", copy);
    var kube = stack.stack().kubernetes().orElseThrow().client();
    assertThat(kube.configMaps().inNamespace(copy).list().getItems()).extracting(c -> c.getMetadata().getName())
        .containsExactlyInAnyOrder("web", "db");

    // the same restore again: its dry run reads the target and tells what would now be skipped
    String again = send(restore().setSnapshotId(resourceSnapshot).setNamespaces(List.of("shop"))
        .setNamespaceMapping(Map.of("shop", copy)).setConflictPolicy(ConflictPolicy.UPDATE).setDryRun(true).build());
    AuditEvent dryRun = audit.finished(again, WAIT);
    assertThat(dryRun.getOutcome()).as(dryRun.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(dryRun.getDetails()).containsEntry("objects", "2").containsEntry("unchanged", "2")
        .containsEntry("create", "0").containsEntry("dryRun", "true");
  }

  @Test
  void verifyNowAsksTheVerifierWithATypedRequestAndFinishesWithItsAnswer() throws Exception {
    String id = send(VerifyNow.newBuilder().setSnapshotId(resourceSnapshot).build());

    List<VerificationRequested> requests = stack.read(settings.verificationRequestsTopic(), VerificationRequested.class,
        WAIT, l -> l.stream().anyMatch(r -> r.getRequestId().equals(id)));
    VerificationRequested request = requests.stream().filter(r -> r.getRequestId().equals(id)).findFirst().orElseThrow();
    assertThat(request.getHeader().getCorrelationId()).isEqualTo(id);
    assertThat(request.getSnapshotId()).isEqualTo(resourceSnapshot);
    assertThat(request.getTarget()).isNull();
    assertThat(request.getRequestedBy()).isEqualTo("it-operator");
    audit.awaitOutcome(id, AuditOutcome.STARTED, WAIT);
    stack.send(settings.verificationsTopic(), resourceSnapshot, SnapshotVerified.newBuilder()
        .setHeader(stack.events("verifier").header(id)).setSnapshotId(resourceSnapshot).setKind(SnapshotKind.RESOURCES)
        .setTarget("cluster").setPassed(true).setOutcome(VerificationOutcome.PASSED).setStore("offsite")
        .setScratchTarget("lifeboat-verify-x").setChecks(List.of(VerificationCheck.newBuilder().setName("objects-read")
            .setPassed(true).setExpected("3").setActual("3").build()))
        .setSnapshotCompletedAt(CUT).setDurationMillis(7).build());

    AuditEvent done = audit.finished(id, WAIT);
    assertThat(done.getOutcome()).as(done.toString()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(done.getDetails()).containsEntry("store", "offsite").containsEntry("checks", "1");
    // the request is a record of its own, not an audit event: what is on lifeboat.audit is the command's own story
    workerRuntime.context().producer().flush();
    audit.awaitCaughtUp(WAIT);
    assertThat(audit.of(id)).allSatisfy(e -> assertThat(e.getAction()).isEqualTo(CommandAudit.VERIFY_NOW));
  }
}
