package dev.lifeboat.watcher.volume;

import static dev.lifeboat.events.v1.VolumeEventType.BOUND;
import static dev.lifeboat.events.v1.VolumeEventType.CLAIMED;
import static dev.lifeboat.events.v1.VolumeEventType.DELETED;
import static dev.lifeboat.events.v1.VolumeEventType.MOUNTED;
import static dev.lifeboat.events.v1.VolumeEventType.RELEASED;
import static dev.lifeboat.events.v1.VolumeEventType.RESIZED;
import static dev.lifeboat.events.v1.VolumeEventType.UNMOUNTED;
import static dev.lifeboat.watcher.volume.VolumeFixtures.bound;
import static dev.lifeboat.watcher.volume.VolumeFixtures.claim;
import static dev.lifeboat.watcher.volume.VolumeFixtures.csiVolume;
import static dev.lifeboat.watcher.volume.VolumeFixtures.pod;
import static dev.lifeboat.watcher.volume.VolumeFixtures.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.schedule.VolumePolicy.Mode;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.events.v1.VolumeEventType;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.watcher.KafkaRecordSink;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@LifeboatIntegrationTest
class VolumeWatcherIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String DRIVER = "csi.example.com";

  private final TestStack stack;
  private final KubernetesClient client;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final KafkaRecordSink sink;
  /** A namespace and a storage class of this test alone: the stack and its API server are shared. */
  private final String ns = "vol-" + UUID.randomUUID().toString().substring(0, 8);
  private final String storageClass = "sc-" + ns;
  private final List<VolumeWatcher> watchers = new ArrayList<>();

  VolumeWatcherIT(TestStack stack) {
    this.stack = stack;
    this.client = stack.stack().kubernetes().orElseThrow().client();
    // Claims and pods live in a namespace that exists, as the API server requires.
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(ns)
        .endMetadata().build()).create();
    this.sink = new KafkaRecordSink(stack.kafka(), new AvroSerializer<>(stack.registry()), 1000, "volume-it", meters);
  }

  @AfterEach
  void close() {
    watchers.forEach(VolumeWatcher::close);
    sink.close();
  }

  private VolumeWatcher watcher(List<VolumePolicy> policies) {
    VolumeWatcher watcher = VolumeWatcher.start(client, sink, stack.events("watcher"), policies, meters,
        Clock.systemUTC(), stack.kafka(), stack.registry());
    watchers.add(watcher);
    return watcher;
  }

  @Test
  void theLifeOfAClaimIsPublishedInOrderWithItsFacts() {
    watcher(List.of());
    PersistentVolumeClaim pvc = createClaim("data", Map.of("app", "db"));
    String uid = pvc.getMetadata().getUid();
    awaitEvents(uid, CLAIMED);

    client.persistentVolumes().resource(csiVolume("pv-" + ns, pvc, DRIVER, "Bound")).create();
    editClaim("data", c -> bound(c, "pv-" + ns, "1Gi"));
    awaitEvents(uid, CLAIMED, BOUND);

    String podUid = client.pods().inNamespace(ns).resource(pod(ns, "db-0", null, "node-1", "data")).create()
        .getMetadata().getUid();
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED);

    editClaim("data", c -> bound(c, "pv-" + ns, "2Gi"));
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED, RESIZED);

    client.pods().inNamespace(ns).withName("db-0").delete();
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED, RESIZED, UNMOUNTED);

    client.persistentVolumes().withName("pv-" + ns).edit(pv -> withPhase(pv, "Released"));
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED, RESIZED, UNMOUNTED, RELEASED);

    client.persistentVolumeClaims().inNamespace(ns).withName("data").delete();
    List<VolumeEventObserved> events = awaitEvents(uid, CLAIMED, BOUND, MOUNTED, RESIZED, UNMOUNTED, RELEASED, DELETED);

    String csiPath = "/var/lib/kubelet/pods/" + podUid + "/volumes/kubernetes.io~csi/pv-" + ns + "/mount";
    assertThat(events).allSatisfy(e -> {
      assertThat(e.getNamespace()).isEqualTo(ns);
      assertThat(e.getPvcName()).isEqualTo("data");
      assertThat(e.getStorageClass()).isEqualTo(storageClass);
      assertThat(e.getLabels()).containsEntry("app", "db");
      assertThat(e.getAccessModes()).containsExactly("ReadWriteOnce");
    });
    assertThat(events.get(0).getCapacityBytes()).as("requested").isEqualTo(1L << 30);
    VolumeEventObserved mounted = events.get(2);
    assertThat(mounted.getPvName()).isEqualTo("pv-" + ns);
    assertThat(mounted.getCsiDriver()).isEqualTo(DRIVER);
    assertThat(mounted.getNode()).isEqualTo("node-1");
    assertThat(mounted.getPod()).isEqualTo(ns + "/db-0");
    assertThat(mounted.getNodePath()).isEqualTo(csiPath);
    assertThat(events.get(3).getCapacityBytes()).isEqualTo(2L << 30);
    assertThat(events.get(4).getNode()).isEqualTo("node-1");
    assertThat(events.get(4).getNodePath()).isEqualTo(csiPath);
    assertThat(events.get(5).getNode()).isNull();
  }

  @Test
  void anUpdateThatChangesNothingPublishesNothing() {
    watcher(List.of());
    PersistentVolumeClaim pvc = createClaim("data", Map.of());
    String uid = pvc.getMetadata().getUid();
    client.persistentVolumes().resource(csiVolume("pv-" + ns, pvc, DRIVER, "Bound")).create();
    editClaim("data", c -> bound(c, "pv-" + ns, "1Gi"));
    awaitEvents(uid, CLAIMED, BOUND);

    // Each informer delivers in order: a no-op of each kind, then a real change of the same kind.
    editClaim("data", c -> new PersistentVolumeClaimBuilder(c).editMetadata()
        .addToAnnotations("example.com/owner", "team-a").addToLabels("tier", "gold").endMetadata().build());
    editClaim("data", c -> bound(c, "pv-" + ns, "3Gi"));
    awaitEvents(uid, CLAIMED, BOUND, RESIZED);

    client.pods().inNamespace(ns).resource(pod(ns, "db-0", null, "node-1", "data")).create();
    awaitEvents(uid, CLAIMED, BOUND, RESIZED, MOUNTED);
    client.pods().inNamespace(ns).withName("db-0").edit(p -> new PodBuilder(p).editMetadata()
        .addToAnnotations("example.com/restartedAt", "now").endMetadata().build());
    client.pods().inNamespace(ns).withName("db-0").delete();
    awaitEvents(uid, CLAIMED, BOUND, RESIZED, MOUNTED, UNMOUNTED);

    client.persistentVolumes().withName("pv-" + ns).edit(pv -> new PersistentVolumeBuilder(pv).editMetadata()
        .addToLabels("zone", "a").endMetadata().build());
    client.persistentVolumes().withName("pv-" + ns).edit(pv -> withPhase(pv, "Released"));
    awaitEvents(uid, CLAIMED, BOUND, RESIZED, MOUNTED, UNMOUNTED, RELEASED);
  }

  @Test
  void onChangePolicyRequestsSnapshotsForBindMountAndResizeAtTheMountingNode() {
    watcher(List.of(new VolumePolicy(storageClass, null, Mode.ON_CHANGE, null)));
    String uid = mountedClaim("data", "db-0", "node-2");
    editClaim("data", c -> bound(c, "pv-data-" + ns, "5Gi"));
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED, RESIZED);

    List<SnapshotRequested> requests = awaitRequests(uid, l -> l.size() >= 3);
    assertThat(requests).extracting(r -> r.getParameters().get("event")).containsExactly("BOUND", "MOUNTED", "RESIZED");
    assertThat(requests).allSatisfy(r -> {
      assertThat(r.getReason()).isEqualTo(RequestReason.VOLUME_EVENT);
      assertThat(r.getParameters()).containsEntry("namespace", ns).containsEntry("pvc", "data")
          .containsEntry("pv", "pv-data-" + ns).containsEntry("storageClass", storageClass);
    });
    for (SnapshotRequested mountedOrResized : requests.subList(1, 3)) {
      assertThat(mountedOrResized.getNode()).isEqualTo("node-2");
      assertThat(mountedOrResized.getNodePath()).startsWith("/var/lib/kubelet/pods/")
          .endsWith("/volumes/kubernetes.io~csi/pv-data-" + ns + "/mount");
      assertThat(mountedOrResized.getParameters()).containsEntry("csiDriver", DRIVER);
    }
  }

  @Test
  void claimsUnderANeverPolicyOrNoPolicyGetNoSnapshotRequests() {
    watcher(List.of(new VolumePolicy(null, "backup=never", Mode.NEVER, null),
        new VolumePolicy(storageClass, null, Mode.ON_CHANGE, null)));
    PersistentVolumeClaim never = createClaim("never", Map.of("backup", "never"));
    PersistentVolumeClaim unmatched = client.persistentVolumeClaims().inNamespace(ns)
        .resource(claim(ns, "unmatched", null, "other-" + storageClass, "1Gi", Map.of())).create();
    String neverUid = never.getMetadata().getUid();
    String unmatchedUid = unmatched.getMetadata().getUid();
    awaitEvents(neverUid, CLAIMED);
    awaitEvents(unmatchedUid, CLAIMED);
    editClaim("never", c -> bound(c, "pv-never-" + ns, "1Gi"));
    editClaim("unmatched", c -> bound(c, "pv-unmatched-" + ns, "1Gi"));
    awaitEvents(neverUid, CLAIMED, BOUND);
    awaitEvents(unmatchedUid, CLAIMED, BOUND);
    String matched = mountedClaim("matched", "app-0", "node-1");
    awaitRequests(matched, l -> l.size() >= 2);

    sink.flush();
    List<SnapshotRequested> all = readToEnd(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class);
    assertThat(all).extracting(SnapshotRequested::getTarget).doesNotContain(neverUid, unmatchedUid).contains(matched);
  }

  @Test
  void intervalPolicyRequestsRepeatedlyWhileMountedAndStopsAfterUnmount() throws InterruptedException {
    watcher(List.of(new VolumePolicy(storageClass, null, Mode.INTERVAL, Duration.ofSeconds(1))));
    String uid = mountedClaim("data", "db-0", "node-1");
    List<SnapshotRequested> scheduled = awaitRequests(uid, l -> l.size() >= 3);
    assertThat(scheduled).allSatisfy(r -> {
      assertThat(r.getReason()).isEqualTo(RequestReason.SCHEDULE);
      assertThat(r.getNode()).isEqualTo("node-1");
      assertThat(r.getNodePath()).endsWith("/volumes/kubernetes.io~csi/pv-data-" + ns + "/mount");
    });

    client.pods().inNamespace(ns).withName("db-0").delete();
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED, UNMOUNTED);
    sink.flush();
    int afterUnmount = forTarget(readToEnd(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class), uid).size();
    // a marker: another mounted claim on the same schedule gets three more requests, so the schedule
    // ran at least twice since the unmount; the unmounted claim got none of them
    String marker = mountedClaim("marker", "marker-0", "node-2");
    awaitRequests(marker, l -> l.size() >= 3);
    sink.flush();
    assertThat(forTarget(readToEnd(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class), uid)).hasSize(afterUnmount);
  }

  @Test
  void aRestartedWatcherPublishesNothingNewForUnchangedClaims() {
    List<VolumePolicy> policies = List.of(new VolumePolicy(storageClass, null, Mode.ON_CHANGE, null));
    VolumeWatcher first = watcher(policies);
    String unchanged = mountedClaim("data", "db-0", "node-1");
    String podGoes = mountedClaim("logs", "logs-0", "node-2");
    awaitRequests(podGoes, l -> l.size() >= 2);
    first.close();
    sink.flush();
    Set<String> eventsBefore = readToEnd(Topics.VOLUME_EVENTS, VolumeEventObserved.class).stream()
        .map(e -> e.getHeader().getEventId()).collect(Collectors.toSet());
    Set<String> requestsBefore = readToEnd(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class).stream()
        .map(SnapshotRequested::getRequestId).collect(Collectors.toSet());

    client.pods().inNamespace(ns).withName("logs-0").delete(); // while nobody watches
    watcher(policies);
    sink.flush();

    List<VolumeEventObserved> newEvents = readToEnd(Topics.VOLUME_EVENTS, VolumeEventObserved.class).stream()
        .filter(e -> !eventsBefore.contains(e.getHeader().getEventId())).toList();
    assertThat(forUid(newEvents, unchanged)).isEmpty();
    assertThat(forUid(newEvents, podGoes)).extracting(VolumeEventObserved::getType).containsExactly(UNMOUNTED);
    List<SnapshotRequested> newRequests = readToEnd(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class).stream()
        .filter(r -> !requestsBefore.contains(r.getRequestId())).toList();
    assertThat(forTarget(newRequests, unchanged)).isEmpty();
    assertThat(forTarget(newRequests, podGoes)).isEmpty();
  }

  // --- the cluster ---

  private PersistentVolumeClaim createClaim(String name, Map<String, String> labels) {
    return client.persistentVolumeClaims().inNamespace(ns)
        .resource(claim(ns, name, null, storageClass, "1Gi", labels)).create();
  }

  private void editClaim(String name, UnaryOperator<PersistentVolumeClaim> edit) {
    client.persistentVolumeClaims().inNamespace(ns).withName(name).edit(edit);
  }

  /** A claim bound to a CSI volume and mounted by a pod on {@code node}; its uid once MOUNTED is published. */
  private String mountedClaim(String name, String podName, String node) {
    PersistentVolumeClaim pvc = createClaim(name, Map.of());
    String uid = pvc.getMetadata().getUid();
    String pv = "pv-" + name + "-" + ns;
    client.persistentVolumes().resource(csiVolume(pv, pvc, DRIVER, "Bound")).create();
    editClaim(name, c -> bound(c, pv, "1Gi"));
    client.pods().inNamespace(ns).resource(pod(ns, podName, null, node, name)).create();
    awaitEvents(uid, CLAIMED, BOUND, MOUNTED);
    return uid;
  }

  // --- the topics ---

  /** Waits until the claim's events are at least {@code expected} long, then checks they are exactly those. */
  private List<VolumeEventObserved> awaitEvents(String uid, VolumeEventType... expected) {
    List<VolumeEventObserved> events = stack.read(Topics.VOLUME_EVENTS, VolumeEventObserved.class, TIMEOUT,
        l -> forUid(l, uid).size() >= expected.length);
    List<VolumeEventObserved> mine = forUid(events, uid);
    assertThat(mine).extracting(VolumeEventObserved::getType).containsExactly(expected);
    return mine;
  }

  private List<SnapshotRequested> awaitRequests(String uid, Predicate<List<SnapshotRequested>> until) {
    List<SnapshotRequested> requests = forTarget(stack.read(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class,
        TIMEOUT, l -> until.test(forTarget(l, uid))), uid);
    assertThat(until.test(requests)).as("snapshot requests for %s: %s", uid, requests).isTrue();
    return requests;
  }

  private static List<VolumeEventObserved> forUid(List<VolumeEventObserved> events, String uid) {
    return events.stream().filter(e -> e.getPvcUid().equals(uid)).toList();
  }

  private static List<SnapshotRequested> forTarget(List<SnapshotRequested> requests, String uid) {
    return requests.stream().filter(r -> r.getTarget().equals(uid)).toList();
  }

  /** Every value of a topic up to its end offsets now; partitions interleave, so the order says nothing. */
  private <T> List<T> readToEnd(String topic, Class<T> type) {
    AvroDeserializer<Object> values = new AvroDeserializer<>(stack.registry());
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer("volume-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          Object v = values.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (type.isInstance(v)) {
            out.add(type.cast(v));
          }
        }
      }
    }
    return out;
  }
}
