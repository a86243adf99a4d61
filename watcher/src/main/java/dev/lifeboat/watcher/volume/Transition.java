package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.events.v1.VolumeEventType;

/**
 * One volume event as far as the facts about a claim go: its type, the pod and node it concerns
 * (MOUNTED and UNMOUNTED) and the capacity it reports.
 */
record Transition(VolumeEventType type, String pod, String node, Long capacityBytes) {

  static Transition of(VolumeEventType type, Long capacityBytes) {
    return new Transition(type, null, null, capacityBytes);
  }

  /** The transition a published event stands for, so that replaying the topic rebuilds the facts. */
  static Transition of(VolumeEventObserved event) {
    return new Transition(event.getType(), event.getPod(), event.getNode(), event.getCapacityBytes());
  }
}
