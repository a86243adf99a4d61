package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.VolumeEventObserved;
import java.util.HashMap;
import java.util.Map;

/**
 * What volume events have already said about each claim, rebuilt by replaying them in order (see
 * {@link PublishedStateLoader}). A watcher that starts from it publishes only what changed since.
 */
public final class PublishedVolumeState {
  private final Map<String, ClaimFacts> facts = new HashMap<>();
  private final Map<String, VolumeEventObserved> last = new HashMap<>();

  /** Nothing published yet: the watcher announces every claim it finds. */
  public static PublishedVolumeState empty() {
    return new PublishedVolumeState();
  }

  /** Adds the next event of a claim, in topic order. */
  public void add(VolumeEventObserved event) {
    String uid = event.getPvcUid();
    ClaimFacts next = facts.getOrDefault(uid, ClaimFacts.NONE).apply(Transition.of(event));
    if (next.deleted() && next.released()) {
      // nothing more can be said about it
      facts.remove(uid);
      last.remove(uid);
      return;
    }
    facts.put(uid, next);
    last.put(uid, event);
  }

  /** How many claims something is known about. */
  public int claims() {
    return facts.size();
  }

  Map<String, ClaimFacts> facts() {
    return Map.copyOf(facts);
  }

  VolumeEventObserved last(String uid) {
    return last.get(uid);
  }
}
