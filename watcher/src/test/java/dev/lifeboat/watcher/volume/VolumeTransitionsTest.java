package dev.lifeboat.watcher.volume;

import static dev.lifeboat.events.v1.VolumeEventType.BOUND;
import static dev.lifeboat.events.v1.VolumeEventType.CLAIMED;
import static dev.lifeboat.events.v1.VolumeEventType.DELETED;
import static dev.lifeboat.events.v1.VolumeEventType.MOUNTED;
import static dev.lifeboat.events.v1.VolumeEventType.RELEASED;
import static dev.lifeboat.events.v1.VolumeEventType.RESIZED;
import static dev.lifeboat.events.v1.VolumeEventType.UNMOUNTED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.VolumeEventType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeTransitionsTest {
  private static final long GI = 1L << 30;

  private static ClaimFacts pending() {
    return ClaimFacts.of(false, GI, Map.of(), false, false);
  }

  private static ClaimFacts bound(long capacity, Map<String, String> mounts) {
    return ClaimFacts.of(true, capacity, mounts, false, false);
  }

  /** Derives from {@code published} to {@code observed} and returns the types, checking that the result then says nothing more. */
  private static List<VolumeEventType> types(ClaimFacts published, ClaimFacts observed) {
    List<Transition> transitions = VolumeTransitions.derive(published, observed);
    ClaimFacts after = published;
    for (Transition t : transitions) {
      after = after.apply(t);
    }
    assertThat(VolumeTransitions.derive(after, observed)).as("derived again from what was published").isEmpty();
    return transitions.stream().map(Transition::type).toList();
  }

  @Test
  void aNewClaimIsClaimed() {
    assertThat(types(ClaimFacts.NONE, pending())).containsExactly(CLAIMED);
  }

  @Test
  void aClaimFirstSeenBoundAndMountedIsAnnouncedInLifeOrder() {
    assertThat(types(ClaimFacts.NONE, bound(GI, Map.of("ns/app-0", "node-1"))))
        .containsExactly(CLAIMED, BOUND, MOUNTED);
  }

  @Test
  void sameFactsSayNothing() {
    ClaimFacts facts = bound(GI, Map.of("ns/app-0", "node-1"));
    assertThat(VolumeTransitions.derive(facts, bound(GI, Map.of("ns/app-0", "node-1")))).isEmpty();
    assertThat(VolumeTransitions.derive(ClaimFacts.NONE, ClaimFacts.NONE)).isEmpty();
  }

  @Test
  void bindingIsBound() {
    assertThat(types(pending(), bound(GI, Map.of()))).containsExactly(BOUND);
  }

  @Test
  void growingCapacityOfABoundClaimIsResized() {
    List<Transition> t = VolumeTransitions.derive(bound(GI, Map.of()), bound(2 * GI, Map.of()));
    assertThat(t).extracting(Transition::type).containsExactly(RESIZED);
    assertThat(t.get(0).capacityBytes()).isEqualTo(2 * GI);
  }

  @Test
  void capacityThatShrinksOrChangesBeforeBindingIsNotAResize() {
    assertThat(types(bound(2 * GI, Map.of()), bound(GI, Map.of()))).isEmpty();
    assertThat(types(pending(), ClaimFacts.of(false, 2 * GI, Map.of(), false, false))).isEmpty();
  }

  @Test
  void aPodOnANodeMountsABoundClaim() {
    List<Transition> t = VolumeTransitions.derive(bound(GI, Map.of()), bound(GI, Map.of("ns/app-0", "node-1")));
    assertThat(t).containsExactly(new Transition(MOUNTED, "ns/app-0", "node-1", GI));
  }

  @Test
  void aPodScheduledBeforeBindingMountsOnceBound() {
    assertThat(types(pending(), ClaimFacts.of(false, GI, Map.of("ns/app-0", "node-1"), false, false))).isEmpty();
    assertThat(types(pending(), bound(GI, Map.of("ns/app-0", "node-1")))).containsExactly(BOUND, MOUNTED);
  }

  @Test
  void aPodThatGoesUnmounts() {
    List<Transition> t = VolumeTransitions.derive(bound(GI, Map.of("ns/app-0", "node-1")), bound(GI, Map.of()));
    assertThat(t).containsExactly(new Transition(UNMOUNTED, "ns/app-0", "node-1", GI));
  }

  @Test
  void aPodBackOnAnotherNodeUnmountsThenMounts() {
    List<Transition> t = VolumeTransitions.derive(bound(GI, Map.of("ns/app-0", "node-1")),
        bound(GI, Map.of("ns/app-0", "node-2")));
    assertThat(t).containsExactly(new Transition(UNMOUNTED, "ns/app-0", "node-1", GI),
        new Transition(MOUNTED, "ns/app-0", "node-2", GI));
  }

  @Test
  void everyPodOfASharedClaimMountsOnItsOwn() {
    assertThat(types(bound(GI, Map.of("ns/a", "node-1")), bound(GI, Map.of("ns/a", "node-1", "ns/b", "node-2"))))
        .containsExactly(MOUNTED);
  }

  @Test
  void aReleasedVolumeThenADeletedClaim() {
    ClaimFacts released = ClaimFacts.of(true, GI, Map.of(), true, false);
    assertThat(types(bound(GI, Map.of()), released)).containsExactly(RELEASED);
    ClaimFacts published = bound(GI, Map.of()).apply(Transition.of(RELEASED, GI));
    assertThat(types(published, ClaimFacts.of(true, GI, Map.of(), true, true)))
        .containsExactly(DELETED);
  }

  @Test
  void aClaimDeletedWhileMountedIsUnmountedFirst() {
    assertThat(types(bound(GI, Map.of("ns/app-0", "node-1")), ClaimFacts.of(true, GI, Map.of(), false, true)))
        .containsExactly(UNMOUNTED, DELETED);
  }

  @Test
  void aVolumeReleasedAfterItsClaimWasDeletedIsStillReleased() {
    ClaimFacts deleted = bound(GI, Map.of()).apply(Transition.of(DELETED, GI));
    assertThat(types(deleted, ClaimFacts.of(true, GI, Map.of(), false, true))).isEmpty();
    assertThat(types(deleted, ClaimFacts.of(true, GI, Map.of(), true, true))).containsExactly(RELEASED);
  }

  @Test
  void aClaimThatCameAndWentUnseenSaysNothing() {
    assertThat(types(ClaimFacts.NONE, ClaimFacts.of(true, GI, Map.of(), false, true))).isEmpty();
  }

  @Test
  void replayingPublishedEventsGivesTheFactsBack() {
    ClaimFacts facts = ClaimFacts.NONE;
    for (Transition t : List.of(Transition.of(CLAIMED, GI), Transition.of(BOUND, GI),
        new Transition(MOUNTED, "ns/app-0", "node-1", GI), Transition.of(RESIZED, 2 * GI))) {
      facts = facts.apply(t);
    }
    assertThat(facts).isEqualTo(bound(2 * GI, Map.of("ns/app-0", "node-1")));
  }
}
