package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.VolumeEventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Derives volume events from the facts already published about a claim and the facts observed now.
 * Only differences produce events, so an informer relist, a resync or an update of something events
 * do not speak of (an annotation, a resource version) produces none, and a restarted watcher that
 * learned what it published says nothing twice.
 *
 * <p>Events come in life order within one derivation: CLAIMED, BOUND, RESIZED, UNMOUNTED, MOUNTED,
 * RELEASED, DELETED. A pod counts as mounting the claim only once the claim is bound; when the claim
 * goes, its remaining mounts are reported UNMOUNTED first. RELEASED may follow DELETED (a released
 * volume is what a deleted claim leaves behind when its reclaim policy is Retain).
 */
final class VolumeTransitions {

  private VolumeTransitions() {}

  static List<Transition> derive(ClaimFacts published, ClaimFacts observed) {
    Steps steps = new Steps(published, observed.capacityBytes());
    if (!observed.claimed()) {
      return steps.out;
    }
    if (published.deleted()) {
      if (observed.released() && !published.released()) {
        steps.add(VolumeEventType.RELEASED);
      }
      return steps.out;
    }
    if (!published.claimed()) {
      if (observed.deleted()) {
        return steps.out; // came and went unseen: nothing was said about it, nothing to take back
      }
      steps.add(VolumeEventType.CLAIMED);
    }
    if (!steps.at.bound() && observed.bound() && !observed.deleted()) {
      steps.add(VolumeEventType.BOUND);
    }
    if (steps.at.bound() && observed.bound() && grew(steps.at.capacityBytes(), observed.capacityBytes())) {
      steps.add(VolumeEventType.RESIZED);
    }
    Map<String, String> mounts = observed.deleted() ? Map.of() : observed.mounts();
    for (Map.Entry<String, String> m : published.mounts().entrySet()) {
      if (!m.getValue().equals(mounts.get(m.getKey()))) {
        steps.add(VolumeEventType.UNMOUNTED, m.getKey(), m.getValue());
      }
    }
    if (steps.at.bound()) {
      for (Map.Entry<String, String> m : mounts.entrySet()) {
        if (!m.getValue().equals(steps.at.mounts().get(m.getKey()))) {
          steps.add(VolumeEventType.MOUNTED, m.getKey(), m.getValue());
        }
      }
    }
    if (!steps.at.released() && observed.released()) {
      steps.add(VolumeEventType.RELEASED);
    }
    if (observed.deleted()) {
      steps.add(VolumeEventType.DELETED);
    }
    return steps.out;
  }

  /** The transitions so far and the facts they lead to. */
  private static final class Steps {
    final List<Transition> out = new ArrayList<>();
    final Long capacity;
    ClaimFacts at;

    Steps(ClaimFacts start, Long capacity) {
      this.at = start;
      this.capacity = capacity;
    }

    void add(VolumeEventType type) {
      add(type, null, null);
    }

    void add(VolumeEventType type, String pod, String node) {
      Transition t = new Transition(type, pod, node, capacity);
      out.add(t);
      at = at.apply(t);
    }
  }

  private static boolean grew(Long before, Long now) {
    return before != null && now != null && now > before;
  }
}
