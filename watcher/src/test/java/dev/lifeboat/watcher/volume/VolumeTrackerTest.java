package dev.lifeboat.watcher.volume;

import dev.lifeboat.schedule.VolumePolicies;
import static dev.lifeboat.events.v1.VolumeEventType.BOUND;
import static dev.lifeboat.events.v1.VolumeEventType.CLAIMED;
import static dev.lifeboat.events.v1.VolumeEventType.DELETED;
import static dev.lifeboat.events.v1.VolumeEventType.MOUNTED;
import static dev.lifeboat.events.v1.VolumeEventType.RELEASED;
import static dev.lifeboat.events.v1.VolumeEventType.RESIZED;
import static dev.lifeboat.events.v1.VolumeEventType.UNMOUNTED;
import static dev.lifeboat.watcher.volume.VolumeFixtures.attachment;
import static dev.lifeboat.watcher.volume.VolumeFixtures.bound;
import static dev.lifeboat.watcher.volume.VolumeFixtures.claim;
import static dev.lifeboat.watcher.volume.VolumeFixtures.csiVolume;
import static dev.lifeboat.watcher.volume.VolumeFixtures.finished;
import static dev.lifeboat.watcher.volume.VolumeFixtures.hostPathVolume;
import static dev.lifeboat.watcher.volume.VolumeFixtures.pod;
import static dev.lifeboat.watcher.volume.VolumeFixtures.withPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.schedule.VolumePolicy.Mode;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.ManualClock;
import dev.lifeboat.watcher.RecordSink;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class VolumeTrackerTest {
  private static final String NS = "shop";
  private static final String UID = "uid-1";
  private static final String DRIVER = "csi.example.com";

  private final List<Object[]> sent = new ArrayList<>();
  private final RecordSink sink = (topic, key, value) -> {
    sent.add(new Object[] {topic, key, value});
    return CompletableFuture.completedFuture(null);
  };
  private final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private final PersistentVolumeClaim pending = claim(NS, "data", UID, "fast", "1Gi", Map.of("app", "db"));
  private final PersistentVolumeClaim boundClaim = bound(pending, "pv-1", "1Gi");
  private final PersistentVolume pv = csiVolume("pv-1", pending, DRIVER, "Bound");
  private final Pod pod = pod(NS, "db-0", "pod-uid-1", "node-1", "data");

  private VolumeTracker tracker(List<VolumePolicy> policies, PublishedVolumeState history) {
    return new VolumeTracker(sink, new VolumeRecords(new EventFactory("c1", "watcher", clock)),
        new VolumePolicies(policies), new VolumeMetrics(meters), clock, history);
  }

  private List<VolumeEventObserved> events() {
    return sent.stream().filter(r -> r[0].equals(Topics.VOLUME_EVENTS)).map(r -> (VolumeEventObserved) r[2]).toList();
  }

  private List<SnapshotRequested> requests() {
    return sent.stream().filter(r -> r[0].equals(Topics.SNAPSHOT_REQUESTS)).map(r -> (SnapshotRequested) r[2]).toList();
  }

  private PublishedVolumeState published() {
    PublishedVolumeState state = PublishedVolumeState.empty();
    events().forEach(state::add);
    return state;
  }

  @Test
  void theLifeOfAClaimIsPublishedInOrderWithItsFacts() {
    VolumeTracker tracker = tracker(List.of(), PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(pending);
    tracker.volumeChanged(pv);
    tracker.claimChanged(boundClaim);
    tracker.podChanged(pod);
    tracker.claimChanged(bound(pending, "pv-1", "2Gi"));
    tracker.podDeleted(pod);
    tracker.volumeChanged(withPhase(pv, "Released"));
    tracker.claimDeleted(boundClaim);

    List<VolumeEventObserved> events = events();
    assertThat(events).extracting(VolumeEventObserved::getType)
        .containsExactly(CLAIMED, BOUND, MOUNTED, RESIZED, UNMOUNTED, RELEASED, DELETED);
    assertThat(sent).allSatisfy(r -> assertThat(r[1]).isEqualTo(UID));
    VolumeEventObserved mounted = events.get(2);
    assertThat(mounted.getNamespace()).isEqualTo(NS);
    assertThat(mounted.getPvcName()).isEqualTo("data");
    assertThat(mounted.getPvName()).isEqualTo("pv-1");
    assertThat(mounted.getStorageClass()).isEqualTo("fast");
    assertThat(mounted.getCsiDriver()).isEqualTo(DRIVER);
    assertThat(mounted.getCapacityBytes()).isEqualTo(1L << 30);
    assertThat(mounted.getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(mounted.getLabels()).containsEntry("app", "db");
    assertThat(mounted.getNode()).isEqualTo("node-1");
    assertThat(mounted.getPod()).isEqualTo("shop/db-0");
    assertThat(mounted.getNodePath()).isEqualTo("/var/lib/kubelet/pods/pod-uid-1/volumes/kubernetes.io~csi/pv-1/mount");
    assertThat(mounted.getHeader().getCorrelationId()).isEqualTo(UID);
    assertThat(events.get(3).getCapacityBytes()).isEqualTo(2L << 30);
    assertThat(events.get(3).getNode()).as("resized while mounted").isEqualTo("node-1");
    assertThat(events.get(4).getNodePath()).as("unmounted from where it was")
        .isEqualTo("/var/lib/kubelet/pods/pod-uid-1/volumes/kubernetes.io~csi/pv-1/mount");
    assertThat(events.get(5).getNode()).isNull();
    assertThat(meters.counter(VolumeMetrics.EVENTS, "type", "MOUNTED").count()).isEqualTo(1.0);
  }

  @Test
  void nothingBeforeEveryKindIsListedThenTheCurrentStateOnce() {
    VolumeTracker tracker = tracker(List.of(), PublishedVolumeState.empty());
    tracker.claimChanged(boundClaim);
    tracker.volumeChanged(pv);
    assertThat(sent).isEmpty();
    tracker.podChanged(pod);

    tracker.ready(true, true);
    assertThat(events()).extracting(VolumeEventObserved::getType).containsExactly(CLAIMED, BOUND, MOUNTED);

    tracker.claimChanged(boundClaim);
    tracker.volumeChanged(pv);
    tracker.podChanged(pod);
    tracker.claimChanged(new PersistentVolumeClaimBuilder(boundClaim)
        .editMetadata().addToAnnotations("note", "relabelled").withResourceVersion("42").endMetadata().build());
    assertThat(events()).as("a relist, a resync or an unrelated update").hasSize(3);
  }

  @Test
  void aRestartedTrackerSaysOnlyWhatChangedWhileItWasAway() {
    VolumeTracker first = tracker(List.of(new VolumePolicy("fast", null, Mode.ON_CHANGE, null)),
        PublishedVolumeState.empty());
    first.ready(true, true);
    first.claimChanged(boundClaim);
    first.volumeChanged(pv);
    first.podChanged(pod);
    PersistentVolumeClaim other = bound(claim(NS, "logs", "uid-2", "fast", "1Gi", Map.of()), "pv-2", "1Gi");
    first.claimChanged(other);
    int before = sent.size();

    VolumeTracker second = tracker(List.of(new VolumePolicy("fast", null, Mode.ON_CHANGE, null)), published());
    second.claimChanged(boundClaim);
    second.volumeChanged(pv);
    second.podChanged(pod);
    second.claimChanged(other);
    second.ready(true, true);
    assertThat(sent).as("unchanged claims").hasSize(before);

    VolumeTracker third = tracker(List.of(), published());
    third.claimChanged(boundClaim);
    third.volumeChanged(pv);
    third.ready(true, true);
    assertThat(events().subList(events().size() - 2, events().size()))
        .extracting(VolumeEventObserved::getType, VolumeEventObserved::getPvcUid)
        .as("the pod and the other claim went while nobody watched")
        .containsExactlyInAnyOrder(tuple(UNMOUNTED, UID),
            tuple(DELETED, "uid-2"));
  }

  @Test
  void aMountSeenBeforeItsVolumeIsPublishedOnceTheVolumeIsKnownWithItsNodePath() {
    VolumeTracker tracker = tracker(List.of(new VolumePolicy("fast", null, Mode.ON_CHANGE, null)),
        PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(pending);
    tracker.claimChanged(boundClaim);
    tracker.podChanged(pod);
    assertThat(events()).extracting(VolumeEventObserved::getType).as("the volume is not known yet")
        .containsExactly(CLAIMED, BOUND);

    tracker.volumeChanged(pv);
    assertThat(events()).extracting(VolumeEventObserved::getType).containsExactly(CLAIMED, BOUND, MOUNTED);
    String path = "/var/lib/kubelet/pods/pod-uid-1/volumes/kubernetes.io~csi/pv-1/mount";
    assertThat(events().get(2).getNodePath()).isEqualTo(path);
    assertThat(requests()).extracting(r -> r.getParameters().get("event"))
        .as("the BOUND request waited for the volume; the mount's request, with the node path, stands for it")
        .containsExactly("MOUNTED");
    assertThat(requests().get(0).getNodePath()).isEqualTo(path);

    // A claim whose volume is gone is Lost, not Bound: its mounts are not held back.
    tracker.claimChanged(new PersistentVolumeClaimBuilder(boundClaim).editStatus().withPhase("Lost").endStatus().build());
    tracker.volumeDeleted(pv);
    tracker.podDeleted(pod);
    assertThat(events()).extracting(VolumeEventObserved::getType).contains(UNMOUNTED);
  }

  @Test
  void aClaimBoundBeforeItsVolumeIsSeenIsRequestedOnceTheVolumeIsKnownWithItsNodePath() {
    VolumeTracker tracker = tracker(List.of(new VolumePolicy("fast", null, Mode.ON_CHANGE, null)),
        PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(boundClaim);
    assertThat(requests()).as("no node path yet: the node agent would refuse the request for good").isEmpty();

    tracker.volumeChanged(hostPathVolume("pv-1", pending, "/data/pv-1", "Bound"));

    assertThat(requests()).singleElement().satisfies(r -> {
      assertThat(r.getParameters()).containsEntry("event", "BOUND");
      assertThat(r.getNodePath()).isEqualTo("/data/pv-1");
    });
    tracker.volumeChanged(hostPathVolume("pv-1", pending, "/data/pv-1", "Bound"));
    assertThat(requests()).as("asked once").hasSize(1);
  }

  @Test
  void onChangePolicyRequestsASnapshotOnBindMountAndResize() {
    VolumeTracker tracker = tracker(List.of(new VolumePolicy("fast", null, Mode.ON_CHANGE, null)),
        PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(pending);
    tracker.volumeChanged(hostPathVolume("pv-1", pending, "/data/pv-1", "Bound"));
    tracker.claimChanged(boundClaim);
    tracker.podChanged(pod);
    tracker.claimChanged(bound(pending, "pv-1", "3Gi"));
    tracker.podDeleted(pod);

    List<SnapshotRequested> requests = requests();
    assertThat(requests).extracting(r -> r.getParameters().get("event")).containsExactly("BOUND", "MOUNTED", "RESIZED");
    assertThat(requests).allSatisfy(r -> {
      assertThat(r.getKind()).isEqualTo(SnapshotKind.VOLUME);
      assertThat(r.getTarget()).isEqualTo(UID);
      assertThat(r.getReason()).isEqualTo(RequestReason.VOLUME_EVENT);
      assertThat(r.getNodePath()).isEqualTo("/data/pv-1");
      assertThat(r.getHeader().getCorrelationId()).isEqualTo(r.getRequestId());
      assertThat(r.getParameters()).containsEntry("namespace", NS).containsEntry("pvc", "data")
          .containsEntry("pv", "pv-1").containsEntry("storageClass", "fast");
    });
    assertThat(requests.get(0).getNode()).as("bound, not yet mounted").isNull();
    assertThat(requests.get(1).getNode()).isEqualTo("node-1");
    assertThat(requests.get(2).getNode()).isEqualTo("node-1");
    assertThat(meters.counter(VolumeMetrics.REQUESTS, "reason", "VOLUME_EVENT").count()).isEqualTo(3.0);
  }

  @Test
  void csiPolicyRequestsACsiSnapshotThatNamesNoNodeAndFileStaysTheDefault() {
    PersistentVolumeClaim logs = bound(claim(NS, "logs", "uid-2", "slow", "1Gi", Map.of()), "pv-2", "1Gi");
    VolumeTracker tracker = tracker(List.of(
        new VolumePolicy("fast", null, Mode.INTERVAL, Duration.ofMinutes(10), VolumePolicy.Method.CSI),
        new VolumePolicy("slow", null, Mode.ON_CHANGE, null)), PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.volumeChanged(pv);
    tracker.claimChanged(boundClaim);
    tracker.podChanged(pod);
    tracker.volumeChanged(hostPathVolume("pv-2", logs, "/data/pv-2", "Bound"));
    tracker.claimChanged(logs);
    clock.advance(Duration.ofMinutes(10));
    tracker.publishDue();

    assertThat(requests()).filteredOn(r -> r.getTarget().equals(UID)).singleElement().satisfies(r -> {
      assertThat(r.getReason()).isEqualTo(RequestReason.SCHEDULE);
      assertThat(r.getParameters()).containsEntry("method", "csi").containsEntry("csiDriver", DRIVER)
          .containsEntry("namespace", NS).containsEntry("pvc", "data").containsEntry("storageClass", "fast");
      assertThat(r.getNode()).as("served by the cluster-wide snapshotter, not a node agent").isNull();
      assertThat(r.getNodePath()).isNull();
    });
    assertThat(requests()).filteredOn(r -> r.getTarget().equals("uid-2")).singleElement().satisfies(r -> {
      assertThat(r.getParameters()).doesNotContainKey("method");
      assertThat(r.getNodePath()).isEqualTo("/data/pv-2");
    });
  }

  @Test
  void neverPolicyAndUnmatchedClaimsGetNoRequests() {
    VolumeTracker tracker = tracker(List.of(new VolumePolicy(null, "app=db", Mode.NEVER, null),
        new VolumePolicy("fast", null, Mode.ON_CHANGE, null)), PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(boundClaim);
    tracker.claimChanged(bound(claim(NS, "other", "uid-3", "slow", "1Gi", Map.of()), "pv-3", "1Gi"));
    tracker.volumeChanged(pv);
    tracker.podChanged(pod);

    assertThat(events()).hasSize(5);
    assertThat(requests()).isEmpty();
  }

  @Test
  void intervalPolicyRequestsEveryIntervalWhileMounted() {
    VolumeTracker tracker = tracker(List.of(new VolumePolicy("fast", null, Mode.INTERVAL, Duration.ofMinutes(10))),
        PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(boundClaim);
    tracker.volumeChanged(pv);
    clock.advance(Duration.ofMinutes(30));
    tracker.publishDue();
    assertThat(requests()).as("not mounted").isEmpty();

    tracker.podChanged(pod);
    clock.advance(Duration.ofMinutes(9));
    tracker.publishDue();
    assertThat(requests()).isEmpty();
    clock.advance(Duration.ofMinutes(1));
    tracker.publishDue();
    clock.advance(Duration.ofMinutes(10));
    tracker.publishDue();
    assertThat(requests()).hasSize(2).allSatisfy(r -> {
      assertThat(r.getReason()).isEqualTo(RequestReason.SCHEDULE);
      assertThat(r.getNode()).isEqualTo("node-1");
      assertThat(r.getNodePath()).endsWith("/pod-uid-1/volumes/kubernetes.io~csi/pv-1/mount");
    });

    tracker.podChanged(finished(pod));
    clock.advance(Duration.ofHours(1));
    tracker.publishDue();
    assertThat(requests()).as("after unmount").hasSize(2);
    assertThat(events()).extracting(VolumeEventObserved::getType).endsWith(MOUNTED, UNMOUNTED);
  }

  @Test
  void anAttachmentNamesTheCsiDriverOfAVolumeThatDoesNot() {
    VolumeTracker tracker = tracker(List.of(), PublishedVolumeState.empty());
    tracker.claimChanged(boundClaim);
    tracker.volumeChanged(hostPathVolume("pv-1", pending, "", "Bound"));
    tracker.attachmentChanged(attachment("csi-abc", "ebs.csi.aws.com", "pv-1", "node-1"));
    tracker.podChanged(pod);
    tracker.ready(true, true);

    VolumeEventObserved mounted = events().get(2);
    assertThat(mounted.getCsiDriver()).isEqualTo("ebs.csi.aws.com");
    assertThat(mounted.getNodePath()).isEqualTo("/var/lib/kubelet/pods/pod-uid-1/volumes/kubernetes.io~csi/pv-1/mount");
  }

  @Test
  void withoutPodsTheMountsStayAsPublished() {
    VolumeTracker first = tracker(List.of(), PublishedVolumeState.empty());
    first.ready(true, true);
    first.claimChanged(boundClaim);
    first.podChanged(pod);
    int before = sent.size();

    VolumeTracker second = tracker(List.of(), published());
    second.claimChanged(boundClaim);
    second.ready(false, true);
    assertThat(sent).hasSize(before);
  }

  @Test
  void aRecordTheSinkRefusesIsTriedAgainOnTheNextChange() {
    boolean[] refuse = {true};
    RecordSink flaky = (topic, key, value) -> {
      if (refuse[0]) {
        throw new SerializationException("no schema");
      }
      return sink.send(topic, key, value);
    };
    VolumeTracker tracker = new VolumeTracker(flaky, new VolumeRecords(new EventFactory("c1", "w", clock)),
        new VolumePolicies(List.of()), new VolumeMetrics(meters), clock, PublishedVolumeState.empty());
    tracker.ready(true, true);
    tracker.claimChanged(pending);
    assertThat(sent).isEmpty();
    assertThat(meters.counter(VolumeMetrics.ERRORS, "source", "publish").count()).isEqualTo(1.0);

    refuse[0] = false;
    tracker.claimChanged(boundClaim);
    assertThat(events()).extracting(VolumeEventObserved::getType).containsExactly(CLAIMED, BOUND);
  }
}
