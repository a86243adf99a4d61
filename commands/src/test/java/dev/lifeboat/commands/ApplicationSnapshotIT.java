package dev.lifeboat.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.embedded.apiserver.ExecHandler;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code snapshots now -n <namespace>}: one recovery point of an application, through the commands
 * worker on the real stack, with the local API serving the pods' hooks over exec. A snapshotter
 * double answers every request on the snapshots topic. One log records, in causal order, each hook
 * exec'd (written by the exec handler when the API hands it the exec), each request the snapshotter
 * read, and each answer (written before the answer is sent): so "pre before every request" and "post
 * after every answer" are read from the log's order, never from clocks.
 */
@LifeboatIntegrationTest
class ApplicationSnapshotIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String FILE_CLASS = "standard";
  private static final String CSI_CLASS = "fast-csi";
  private static final String STDERR_LINE = "fsfreeze: /data: Operation not permitted";

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final String namespace = "shop-" + UUID.randomUUID().toString().substring(0, 8);
  private TestStack stack;
  private CommandsSettings settings;
  private AuditLog audit;
  private KubernetesClient client;
  private volatile boolean answering = true;

  @BeforeEach
  void start(TestStack testStack) {
    stack = testStack;
    settings = CommandsSettings.defaults().withTopics(stack.newTopic("commands", 1), stack.newTopic("snapshot-requests", 1),
        stack.newTopic("snapshots", 1), stack.newTopic("verifications", 1), stack.newTopic("replications", 1))
        .withVolumePolicies(List.of(new VolumePolicy(CSI_CLASS, null, VolumePolicy.Mode.NEVER, null,
            VolumePolicy.Method.CSI)));
    audit = new AuditLog(stack);
    closing.add(audit);
    LocalKubernetes kube = stack.stack().kubernetes().orElseThrow();
    kube.onExec(this::play);
    client = kube.client();
    WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("it"), new SimpleMeterRegistry(),
        new Health(Clock.systemUTC()), "it-app-" + namespace + "-");
    closing.add(runtime);
    TargetClusters targets = new TargetClusters("test", kube::client, Path.of(stack.stack().endpoints().kubeconfig()), null);
    closing.add(CommandsWorker.start(runtime, stack.events("it"), settings, null, targets, null));
    Thread snapshotter = new Thread(this::answerRequests, "it-snapshotter");
    snapshotter.setDaemon(true);
    snapshotter.start();
    closing.add(() -> {
      answering = false;
      snapshotter.join(5000);
    });
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @Test
  void preHooksRunBeforeEverySnapshotRequestAndPostHooksAfterEveryAnswerAndTheOutcomeNamesEverySnapshot() throws Exception {
    Application app = application(Map.of(), Map.of());

    AuditEvent done = audit.finished(send(), WAIT);

    assertThat(done.getOutcome()).as(done.getReason()).isEqualTo(AuditOutcome.SUCCEEDED);
    List<String> order = log();
    assertThat(order.stream().filter(e -> e.startsWith("request "))).hasSize(3);
    int lastPre = lastIndex(order, "exec pre ");
    int firstRequest = firstIndex(order, "request ");
    int lastAnswer = lastIndex(order, "answer ");
    int firstPost = firstIndex(order, "exec post ");
    assertThat(order.stream().filter(e -> e.startsWith("exec pre "))).containsExactly(
        "exec pre " + namespace + "/db-0/db [/bin/sh, -c, fsfreeze --freeze /data]",
        "exec pre " + namespace + "/web-0/web [sync]");
    assertThat(order.stream().filter(e -> e.startsWith("exec post "))).hasSize(2);
    assertThat(lastPre).as(order.toString()).isLessThan(firstRequest);
    assertThat(lastAnswer).as(order.toString()).isLessThan(firstPost);

    List<SnapshotRequested> requests = requests();
    assertThat(requests).extracting(r -> r.getKind() + " " + r.getTarget()).containsExactlyInAnyOrder(
        "RESOURCES " + namespace, "VOLUME " + app.dataUid(), "VOLUME " + app.fastUid());
    SnapshotRequested file = requests.stream().filter(r -> r.getTarget().equals(app.dataUid())).findFirst().orElseThrow();
    assertThat(file.getNode()).isEqualTo("node-1");
    assertThat(file.getNodePath()).isEqualTo("/var/lib/lifeboat-it/" + namespace + "-data");
    assertThat(file.getParameters()).containsEntry("namespace", namespace).containsEntry("pvc", "data")
        .doesNotContainKey("method");
    SnapshotRequested csi = requests.stream().filter(r -> r.getTarget().equals(app.fastUid())).findFirst().orElseThrow();
    assertThat(csi.getParameters()).containsEntry("method", "csi").containsEntry("csiDriver", "csi.example.com");
    assertThat(csi.getNode()).isNull();
    assertThat(requests).allSatisfy(r -> assertThat(r.getHeader().getCorrelationId()).isEqualTo(done.getHeader()
        .getCorrelationId()));

    Map<String, String> details = done.getDetails();
    assertThat(details.get("resources")).isEqualTo(snapshotIdOf(namespace));
    assertThat(details.get("volume.data")).isEqualTo(snapshotIdOf(app.dataUid()));
    assertThat(details.get("volume.fast")).isEqualTo(snapshotIdOf(app.fastUid()));
    assertThat(details.get("volume.pending")).startsWith("skipped: not bound");
    assertThat(details.get("snapshotIds").split(",")).containsExactlyInAnyOrder(snapshotIdOf(namespace),
        snapshotIdOf(app.dataUid()), snapshotIdOf(app.fastUid()));
    List<AuditEvent> hooks = hookEvents(done);
    assertThat(hooks).hasSize(4).allSatisfy(e -> {
      assertThat(e.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
      assertThat(e.getDetails()).containsEntry("exitCode", "0").containsKeys("durationMillis", "stderrTail")
          .containsEntry("stdoutTail", "ok\n");
      assertThat(e.getActor()).isEqualTo("it-operator");
    });
    assertThat(hooks).extracting(e -> e.getAction() + " " + e.getDetails().get("pod") + " " + e.getDetails().get("container"))
        .containsExactly(AuditActions.HOOK_PRE + " " + namespace + "/db-0 db", AuditActions.HOOK_PRE + " " + namespace
            + "/web-0 web", AuditActions.HOOK_POST + " " + namespace + "/db-0 db", AuditActions.HOOK_POST + " " + namespace
            + "/web-0 web");
  }

  @Test
  void aFailingPreHookWithFailTakesNoSnapshotButThePostHooksRunAndTheCommandFailsNamingIt() throws Exception {
    application(Map.of("hooks.lifeboat.dev/pre.command", "[\"/bin/sh\", \"-c\", \"fail loudly\"]"), Map.of());

    AuditEvent done = audit.finished(send(), WAIT);

    assertThat(done.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(done.getReason()).contains("pod " + namespace + "/web-0", "container web", "exited 3", STDERR_LINE,
        "no snapshot was requested", "2 post hooks ran");
    // the finished event is written after anything the command sent: the requests topic is empty to its end
    assertThat(TopicEnd.readToEnd(stack.kafka(), settings.snapshotRequestsTopic())).isEmpty();
    assertThat(log().stream().filter(e -> e.startsWith("exec post "))).hasSize(2);
    AuditEvent failed = hookEvents(done).stream().filter(e -> e.getOutcome() == AuditOutcome.FAILED).findFirst()
        .orElseThrow();
    assertThat(failed.getAction()).isEqualTo(AuditActions.HOOK_PRE);
    assertThat(failed.getDetails()).containsEntry("exitCode", "3").containsEntry("pod", namespace + "/web-0")
        .containsEntry("stderrBytes", Integer.toString(64 * 1024 + STDERR_LINE.length() + 1));
    // 64 KiB of stderr: the event carries its last KiB, ending with the line that says why
    assertThat(failed.getDetails().get("stderrTail")).startsWith("...").endsWith(STDERR_LINE + "\n")
        .hasSizeLessThanOrEqualTo(HookRunner.TAIL_BYTES + 3);
    assertThat(hookEvents(done).stream().filter(e -> e.getAction().equals(AuditActions.HOOK_POST)))
        .hasSize(2).allSatisfy(e -> assertThat(e.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED));
  }

  @Test
  void aFailingPreHookWithContinueStillTakesEverySnapshotAndTheOutcomeSaysAHookFailed() throws Exception {
    application(Map.of("hooks.lifeboat.dev/pre.command", "[\"fail\"]", "hooks.lifeboat.dev/pre.on-error", "Continue"),
        Map.of());

    AuditEvent done = audit.finished(send(), WAIT);

    assertThat(done.getOutcome()).isEqualTo(AuditOutcome.PARTIALLY_FAILED);
    assertThat(done.getReason()).contains("web-0", "exited 3", "on-error Continue");
    assertThat(requests()).hasSize(3);
    assertThat(done.getDetails()).containsEntry("snapshots", "3").containsEntry("hooksFailed", "1");
    assertThat(lastIndex(log(), "exec pre ")).isLessThan(firstIndex(log(), "request "));
  }

  @Test
  void aPreHookThatOutlivesItsTimeoutIsClosedAndReportedAndNothingIsSnapshotted() throws Exception {
    application(Map.of("hooks.lifeboat.dev/pre.command", "[\"hang\"]", "hooks.lifeboat.dev/pre.timeout", "1s"), Map.of());

    AuditEvent done = audit.finished(send(), WAIT);

    assertThat(done.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(done.getReason()).contains("web-0", "did not finish within 1000 ms");
    assertThat(TopicEnd.readToEnd(stack.kafka(), settings.snapshotRequestsTopic())).isEmpty();
    AuditEvent timedOut = hookEvents(done).stream().filter(e -> e.getOutcome() == AuditOutcome.FAILED).findFirst()
        .orElseThrow();
    assertThat(timedOut.getDetails()).containsEntry("timedOut", "true").containsEntry("exitCode", "none")
        .containsEntry("timeoutMillis", "1000");
    assertThat(log().stream().filter(e -> e.startsWith("exec post "))).hasSize(2);
  }

  @Test
  void hooksThatCannotBeReadRefuseTheRecoveryPointBeforeAnythingRuns() throws Exception {
    application(Map.of("hooks.lifeboat.dev/pre.command", "[\"sync\"]", "hooks.lifeboat.dev/pre.container", "nginx"),
        Map.of());

    AuditEvent done = audit.finished(send(), WAIT);

    assertThat(done.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(done.getReason()).contains("web-0", "hooks.lifeboat.dev/pre.container", "nginx");
    assertThat(log()).isEmpty();
    assertThat(TopicEnd.readToEnd(stack.kafka(), settings.snapshotRequestsTopic())).isEmpty();
  }

  // --- the application -------------------------------------------------------------------------

  record Application(String dataUid, String fastUid) {}

  /**
   * Namespace with claims {@code data} (hostPath, file-level), {@code fast} (CSI, by its policy) and
   * {@code pending} (unbound); pod {@code db-0} mounting both with freeze/unfreeze hooks in container
   * {@code db} of two, and pod {@code web-0} with hooks of its own ({@code sync} unless overridden).
   */
  private Application application(Map<String, String> webPre, Map<String, String> webPost) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    String dataUid = boundClaim("data", FILE_CLASS, false);
    String fastUid = boundClaim("fast", CSI_CLASS, true);
    client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder().withNewMetadata()
        .withName("pending").endMetadata().withNewSpec().withStorageClassName("absent").withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
    running(new PodBuilder().withNewMetadata().withName("db-0").withNamespace(namespace)
        .addToAnnotations("hooks.lifeboat.dev/pre.command", "[\"/bin/sh\", \"-c\", \"fsfreeze --freeze /data\"]")
        .addToAnnotations("hooks.lifeboat.dev/pre.container", "db")
        .addToAnnotations("hooks.lifeboat.dev/post.command", "[\"/bin/sh\", \"-c\", \"fsfreeze --unfreeze /data\"]")
        .addToAnnotations("hooks.lifeboat.dev/post.container", "db").endMetadata()
        .withNewSpec().withNodeName("node-1")
        .addNewContainer().withName("metrics").withImage("exporter").endContainer()
        .addNewContainer().withName("db").withImage("postgres:16").endContainer()
        .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("data").endPersistentVolumeClaim()
        .endVolume().addNewVolume().withName("fast").withNewPersistentVolumeClaim().withClaimName("fast")
        .endPersistentVolumeClaim().endVolume().endSpec().build());
    Map<String, String> web = new LinkedHashMap<>(Map.of("hooks.lifeboat.dev/pre.command", "sync",
        "hooks.lifeboat.dev/post.command", "[\"true\"]"));
    web.putAll(webPre);
    web.putAll(webPost);
    running(new PodBuilder().withNewMetadata().withName("web-0").withNamespace(namespace).withAnnotations(web).endMetadata()
        .withNewSpec().withNodeName("node-2").addNewContainer().withName("web").withImage("nginx").endContainer().endSpec()
        .build());
    return new Application(dataUid, fastUid);
  }

  private String boundClaim(String name, String storageClass, boolean csi) {
    String pv = "pv-" + namespace + "-" + name;
    PersistentVolumeBuilder volume = new PersistentVolumeBuilder().withNewMetadata().withName(pv).endMetadata();
    var spec = volume.withNewSpec().addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce")
        .withStorageClassName(storageClass).withNewClaimRef().withNamespace(namespace).withName(name).endClaimRef();
    if (csi) {
      spec.withNewCsi().withDriver("csi.example.com").withVolumeHandle("vol-" + name).endCsi();
    } else {
      spec.withNewHostPath().withPath("/var/lib/lifeboat-it/" + namespace + "-" + name).endHostPath();
    }
    client.persistentVolumes().resource(spec.endSpec().build()).create();
    PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(namespace).resource(
        new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
            .withAccessModes("ReadWriteOnce").withStorageClassName(storageClass).withVolumeName(pv).withNewResources()
            .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
    claim.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound")
        .addToCapacity("storage", new Quantity("1Gi")).build());
    return client.persistentVolumeClaims().inNamespace(namespace).resource(claim).updateStatus().getMetadata().getUid();
  }

  /** Creates the pod and makes it Running with every container running, as a kubelet would. */
  private void running(Pod pod) {
    Pod created = client.pods().inNamespace(namespace).resource(pod).create();
    PodStatusBuilder status = new PodStatusBuilder().withPhase("Running");
    pod.getSpec().getContainers().forEach(c -> status.addNewContainerStatus().withName(c.getName()).withReady(true)
        .withNewState().withNewRunning().endRunning().endState().endContainerStatus());
    created.setStatus(status.build());
    client.pods().inNamespace(namespace).resource(created).updateStatus();
  }

  // --- the pods' containers and the snapshotter ---------------------------------------------------

  /** What the containers run: "fail..." prints 64 KiB and a last line to stderr and exits 3; "hang" waits; others print "ok". */
  private int play(ExecHandler.Exec exec) throws Exception {
    List<String> command = exec.command();
    String phase = command.toString().contains("unfreeze") || command.equals(List.of("true")) ? "post" : "pre";
    record("exec " + phase + " " + exec.namespace() + "/" + exec.podName() + "/" + exec.container() + " " + command);
    String last = command.get(command.size() - 1);
    if (last.startsWith("fail")) {
      exec.stderr().write("x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8));
      exec.stderr().write((STDERR_LINE + "\n").getBytes(StandardCharsets.UTF_8));
      return 3;
    }
    if (last.equals("hang")) {
      release.await();
      return 0;
    }
    exec.stdout().write("ok\n".getBytes(StandardCharsets.UTF_8));
    return 0;
  }

  /** Answers every request with a SnapshotCompleted whose id is derived from its target; logs before answering. */
  private void answerRequests() {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    AtomicInteger n = new AtomicInteger();
    String topic = settings.snapshotRequestsTopic();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(stack.kafka().consumerProperties("it-snap-" + namespace));
        KafkaProducer<byte[], byte[]> producer = stack.kafka().producer("it-snapshotter")) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      var serializer = new dev.lifeboat.schemas.serde.AvroSerializer<>(stack.registry());
      while (answering) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          SnapshotRequested request = (SnapshotRequested) deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
          record("request " + request.getKind() + " " + request.getTarget());
          String id = snapshotIdOf(request.getTarget());
          record("answer " + request.getTarget());
          SnapshotCompleted completed = SnapshotCompleted.newBuilder()
              .setHeader(stack.events("snapshotter").header(request.getRequestId())).setSnapshotId(id)
              .setRequestId(request.getRequestId()).setKind(request.getKind()).setTarget(request.getTarget())
              .setPhase(SnapshotPhase.COMPLETED).setRepository("it").setManifestKey("k").setManifestSha256("s")
              .setTotalBytes(10).setNewBytes(5).setChunkCount(1).setNewChunkCount(1).setItemCount(n.incrementAndGet())
              .setStartedAt(Instant.now()).setDurationMillis(3).build();
          producer.send(new ProducerRecord<>(settings.snapshotsTopic(), id.getBytes(StandardCharsets.UTF_8),
              serializer.serialize(settings.snapshotsTopic(), completed))).get();
        }
      }
    } catch (Exception e) {
      record("snapshotter failed: " + e);
    }
  }

  private static String snapshotIdOf(String target) {
    return "20260101T120000Z-" + Integer.toHexString(target.hashCode());
  }

  // --- helpers -------------------------------------------------------------------------------------

  private String send() {
    String id = UUID.randomUUID().toString();
    stack.send(settings.commandsTopic(), id, Command.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now()).setCluster("test")
            .setSource("test").setCorrelationId(id).build())
        .setCommandId(id).setRequestedBy("it-operator").setRequestedAt(Instant.now())
        .setAction(SnapshotNow.newBuilder().setKind(SnapshotKind.RESOURCES).setTarget(namespace).setApplication(true)
            .build()).build());
    return id;
  }

  private List<SnapshotRequested> requests() {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    return TopicEnd.readToEnd(stack.kafka(), settings.snapshotRequestsTopic()).stream()
        .map(r -> (SnapshotRequested) deserializer.decode(r.topic(), r.partition(), r.offset(), r.value())).toList();
  }

  /** The hook events of the command, as written (the finished event is written after them all). */
  private List<AuditEvent> hookEvents(AuditEvent finished) throws InterruptedException {
    audit.awaitCaughtUp(WAIT);
    return audit.of(finished.getHeader().getCorrelationId()).stream()
        .filter(e -> e.getAction().startsWith("hook.")).toList();
  }

  private void record(String entry) {
    synchronized (log) {
      log.add(entry);
    }
  }

  private List<String> log() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  private static int firstIndex(List<String> entries, String prefix) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no " + prefix + " in " + entries);
  }

  private static int lastIndex(List<String> entries, String prefix) {
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (entries.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no " + prefix + " in " + entries);
  }
}
