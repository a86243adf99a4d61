package dev.lifeboat.watcher.volume;

import dev.lifeboat.schedule.VolumePolicies;
import dev.lifeboat.schedule.IntervalSchedule;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.events.v1.VolumeEventType;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.watcher.RecordSink;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import java.time.Clock;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns changes of claims, volumes, pods and attachments into volume events and snapshot requests.
 * Each change updates the {@link VolumeModel}; the claims it concerns are then settled: their
 * observed facts are compared with the published ones, the difference is published, and the
 * claim's policy decides what to request. Nothing is settled before {@link #ready}, when every kind
 * has been listed once, so that a half-listed cluster (claims known, pods not yet) never looks like
 * a change. All methods are serialised on this object; sends block while the sink applies
 * backpressure.
 */
final class VolumeTracker {
  private static final Logger log = LoggerFactory.getLogger(VolumeTracker.class);
  private static final Set<VolumeEventType> CHANGES = EnumSet.of(VolumeEventType.BOUND, VolumeEventType.MOUNTED,
      VolumeEventType.RESIZED);

  private final VolumeModel model = new VolumeModel();
  private final IntervalSchedule schedule = new IntervalSchedule();
  private final Map<String, ClaimFacts> published;
  /**
   * Claims whose snapshot request waits for their volume (uid to the event that asked for it): a
   * request made before the volume is known names no node path, and the node agent refuses it.
   */
  private final Map<String, String> deferred = new HashMap<>();
  private final PublishedVolumeState history;
  private final RecordSink sink;
  private final VolumeRecords records;
  private final VolumePolicies policies;
  private final VolumeMetrics metrics;
  private final Clock clock;
  private boolean ready;
  private boolean podsKnown = true;
  private boolean volumesKnown = true;

  VolumeTracker(RecordSink sink, VolumeRecords records, VolumePolicies policies, VolumeMetrics metrics, Clock clock,
      PublishedVolumeState history) {
    this.sink = sink;
    this.records = records;
    this.policies = policies;
    this.metrics = metrics;
    this.clock = clock;
    this.history = history;
    this.published = new HashMap<>(history.facts());
  }

  synchronized void claimChanged(PersistentVolumeClaim pvc) {
    settle(model.putClaim(ClaimView.of(pvc)));
  }

  synchronized void claimDeleted(PersistentVolumeClaim pvc) {
    settle(model.removeClaim(pvc.getMetadata().getUid()));
  }

  synchronized void volumeChanged(PersistentVolume pv) {
    settle(model.putVolume(VolumeView.of(pv)));
  }

  synchronized void volumeDeleted(PersistentVolume pv) {
    settle(model.removeVolume(pv.getMetadata().getName()));
  }

  synchronized void podChanged(Pod pod) {
    settle(model.putPod(PodView.of(pod)));
  }

  synchronized void podDeleted(Pod pod) {
    settle(model.removePod(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()));
  }

  synchronized void attachmentChanged(VolumeAttachment va) {
    String pv = va.getSpec() == null || va.getSpec().getSource() == null ? null
        : va.getSpec().getSource().getPersistentVolumeName();
    settle(model.putAttachment(va.getMetadata().getName(), va.getSpec() == null ? null : va.getSpec().getAttacher(), pv));
  }

  synchronized void attachmentDeleted(VolumeAttachment va) {
    settle(model.removeAttachment(va.getMetadata().getName()));
  }

  /**
   * Every kind has been listed once (or cannot be watched): settles every claim, those known only
   * from the published history included (a claim deleted while nobody watched is reported deleted).
   *
   * @param podsWatched false when pods cannot be watched: mounts are then taken as published
   * @param volumesWatched false when volumes cannot be watched: releases are then taken as published
   */
  synchronized void ready(boolean podsWatched, boolean volumesWatched) {
    this.podsKnown = podsWatched;
    this.volumesKnown = volumesWatched;
    for (String uid : published.keySet()) {
      VolumeEventObserved last = history.last(uid);
      if (!model.knows(uid) && last != null) {
        model.rememberDeparted(ClaimView.of(last));
      }
    }
    ready = true;
    Set<String> all = new LinkedHashSet<>(model.claimUids());
    all.addAll(published.keySet());
    settle(all);
    log.info("Volume watcher ready: {} claims known, {} under an interval policy", model.claimUids().size(),
        all.stream().filter(schedule::contains).count());
  }

  /** Publishes a SCHEDULE request for every mounted claim whose interval has passed. */
  synchronized void publishDue() {
    for (String uid : schedule.due(clock.instant())) {
      VolumeModel.Volume volume = model.describe(uid);
      ClaimFacts facts = published.get(uid);
      if (volume == null || facts == null || !facts.mounted()) {
        schedule.drop(uid);
        continue;
      }
      request(volume, RequestReason.SCHEDULE, null, currentMount(volume, facts), methodOf(volume));
    }
  }

  private void settle(Collection<String> uids) {
    try {
      if (!ready) {
        return;
      }
      for (String uid : uids) {
        try {
          settle(uid);
        } catch (RuntimeException e) {
          VolumeModel.Volume volume = model.describe(uid);
          log.warn("Could not derive volume events of claim {} (uid {})", volume == null ? "?" : volume.claim().key(),
              uid, e);
          metrics.error("derive");
        }
      }
    } finally {
      model.forgetGonePods();
    }
  }

  private void settle(String uid) {
    ClaimFacts before = published.getOrDefault(uid, ClaimFacts.NONE);
    ClaimFacts observed = model.observe(uid);
    if (!podsKnown && !observed.deleted()) {
      observed = observed.withMounts(before.mounts());
    }
    if (!volumesKnown) {
      observed = observed.withReleased(before.released());
    } else if (!observed.deleted() && awaitingVolume(uid)) {
      // Informers deliver each kind in its own order: a pod can be seen mounting a claim before the
      // volume the claim is bound to. The mount is published once the volume is known, with the
      // node path that only the volume can tell; mounts already published stand.
      Map<String, String> kept = new HashMap<>(observed.mounts());
      kept.keySet().retainAll(before.mounts().keySet());
      observed = observed.withMounts(kept);
    }
    boolean waiting = volumesKnown && !observed.deleted() && awaitingVolume(uid);
    List<Transition> transitions = VolumeTransitions.derive(before, observed);
    VolumeModel.Volume volume = model.describe(uid);
    Optional<VolumePolicy> policy = volume == null ? Optional.empty()
        : policies.match(volume.storageClass(), volume.claim().labels());
    ClaimFacts after = before;
    boolean requested = false;
    for (Transition t : transitions) {
      ClaimFacts next = after.apply(t);
      VolumeRecords.Mount mount = t.pod() != null ? mount(volume, t.pod(), t.node()) : currentMount(volume, next);
      if (!publish(Topics.VOLUME_EVENTS, uid, records.event(volume, t, mount))) {
        break; // not published: the facts stay as they were, so the next change tries again
      }
      after = next;
      metrics.event(t.type());
      log.info("Volume event {} for claim {} (uid {}){}", t.type(), volume.claim().key(), uid,
          mount.node() == null ? "" : " on node " + mount.node());
      if (CHANGES.contains(t.type()) && policy.map(VolumePolicy::mode).orElse(null) == VolumePolicy.Mode.ON_CHANGE) {
        if (waiting) {
          deferred.putIfAbsent(uid, t.type().name());
        } else {
          request(volume, RequestReason.VOLUME_EVENT, t.type().name(), mount, policy.get().method());
          requested = true;
        }
      }
    }
    String waited = waiting || observed.deleted() ? null : deferred.remove(uid);
    if (waited != null && !requested && policy.map(VolumePolicy::mode).orElse(null) == VolumePolicy.Mode.ON_CHANGE) {
      request(volume, RequestReason.VOLUME_EVENT, waited, currentMount(volume, after), policy.get().method());
    }
    if (after.claimed()) {
      published.put(uid, after);
    }
    Optional<VolumePolicy> interval = policy.filter(p -> p.mode() == VolumePolicy.Mode.INTERVAL && p.interval() != null);
    if (interval.isPresent() && after.mounted() && !after.deleted()) {
      schedule.keep(uid, interval.get().interval(), clock.instant());
    } else {
      schedule.drop(uid);
    }
    boolean settledForGood = after.deleted() && (after.released() || model.volumeOf(uid) == null);
    if (observed.deleted() && (!after.claimed() || settledForGood)) {
      model.forget(uid);
      published.remove(uid);
      deferred.remove(uid);
    }
  }

  /** A bound claim whose volume has not been seen yet (a claim whose volume is gone is Lost, not Bound). */
  private boolean awaitingVolume(String uid) {
    VolumeModel.Volume volume = model.describe(uid);
    return volume != null && volume.claim().bound() && volume.claim().volumeName() != null && volume.volume() == null;
  }

  private VolumePolicy.Method methodOf(VolumeModel.Volume volume) {
    return policies.match(volume.storageClass(), volume.claim().labels()).map(VolumePolicy::method)
        .orElse(VolumePolicy.Method.FILE);
  }

  private void request(VolumeModel.Volume volume, RequestReason reason, String event, VolumeRecords.Mount mount,
      VolumePolicy.Method method) {
    SnapshotRequested request = records.request(volume, reason, event, mount, method);
    if (publish(Topics.SNAPSHOT_REQUESTS, volume.claim().uid(), request)) {
      metrics.request(reason);
      log.debug("Requested a snapshot of claim {} ({}{}), request {}", volume.claim().key(), reason,
          event == null ? "" : " " + event, request.getRequestId());
    }
  }

  private VolumeRecords.Mount currentMount(VolumeModel.Volume volume, ClaimFacts facts) {
    if (facts.mounted()) {
      Map.Entry<String, String> first = facts.mounts().entrySet().iterator().next();
      return mount(volume, first.getKey(), first.getValue());
    }
    return new VolumeRecords.Mount(null, null, NodePaths.of(volume.volume(), volume.csiDriver(), null));
  }

  private VolumeRecords.Mount mount(VolumeModel.Volume volume, String podKey, String node) {
    PodView pod = model.pod(podKey);
    String podUid = pod == null ? null : pod.uid();
    return new VolumeRecords.Mount(podKey, node, NodePaths.of(volume.volume(), volume.csiDriver(), podUid));
  }

  /** Hands a record to the sink; false when it was refused at once (it could not be encoded). */
  private boolean publish(String topic, String key, Object value) {
    try {
      sink.send(topic, key, value).whenComplete((ok, error) -> {
        if (error != null) {
          log.error("A record for {} key {} was not published: {}", topic, key, error.toString());
          metrics.error("publish");
        }
      });
      return true;
    } catch (RuntimeException e) {
      log.error("Could not publish a record to {} for key {}", topic, key, e);
      metrics.error("publish");
      return false;
    }
  }
}
