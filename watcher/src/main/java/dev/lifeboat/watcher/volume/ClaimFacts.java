package dev.lifeboat.watcher.volume;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What is known about one persistent volume claim, reduced to what volume events speak of. The same
 * record describes two things: what the cluster shows now (observed), and what the events published
 * so far add up to (published). Events are the difference between the two.
 *
 * @param claimed the claim exists or existed
 * @param bound the claim is bound to a volume
 * @param capacityBytes its capacity: the status capacity once bound, the requested size before
 * @param mounts pods (namespace/name) that use the claim, each with its node, in pod order
 * @param released its volume's phase is Released
 * @param deleted the claim is gone
 */
record ClaimFacts(boolean claimed, boolean bound, Long capacityBytes, SortedMap<String, String> mounts, boolean released,
    boolean deleted) {

  static final ClaimFacts NONE = new ClaimFacts(false, false, null, new TreeMap<>(), false, false);

  ClaimFacts {
    mounts = Collections.unmodifiableSortedMap(new TreeMap<>(mounts));
  }

  static ClaimFacts of(boolean bound, Long capacityBytes, Map<String, String> mounts, boolean released,
      boolean deleted) {
    return new ClaimFacts(true, bound, capacityBytes, new TreeMap<>(mounts), released, deleted);
  }

  boolean mounted() {
    return !mounts.isEmpty();
  }

  ClaimFacts withMounts(Map<String, String> other) {
    return new ClaimFacts(claimed, bound, capacityBytes, new TreeMap<>(other), released, deleted);
  }

  ClaimFacts withReleased(boolean other) {
    return new ClaimFacts(claimed, bound, capacityBytes, mounts, other, deleted);
  }

  /** The facts once {@code t} has been published. */
  ClaimFacts apply(Transition t) {
    boolean nowBound = bound;
    boolean nowReleased = released;
    boolean nowDeleted = deleted;
    TreeMap<String, String> nowMounts = new TreeMap<>(mounts);
    switch (t.type()) {
      case CLAIMED, RESIZED -> { }
      case BOUND -> nowBound = true;
      case MOUNTED -> nowMounts.put(t.pod(), t.node());
      case UNMOUNTED -> nowMounts.remove(t.pod());
      case RELEASED -> nowReleased = true;
      case DELETED -> {
        nowDeleted = true;
        nowMounts.clear();
      }
      default -> throw new IllegalArgumentException("unknown volume event type " + t.type());
    }
    Long capacity = t.capacityBytes() == null ? capacityBytes : t.capacityBytes();
    return new ClaimFacts(true, nowBound, capacity, nowMounts, nowReleased, nowDeleted);
  }
}
