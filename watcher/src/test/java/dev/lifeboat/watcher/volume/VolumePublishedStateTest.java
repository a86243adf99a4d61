package dev.lifeboat.watcher.volume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.events.v1.VolumeEventType;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumePublishedStateTest {
  private final EventFactory events = new EventFactory("c1", "test", Clock.systemUTC());

  private VolumeEventObserved event(String uid, VolumeEventType type, String pod, String node) {
    return VolumeEventObserved.newBuilder().setHeader(events.header(uid)).setType(type).setPvcUid(uid)
        .setNamespace("ns").setPvcName("data").setPvName("pv-" + uid).setCapacityBytes(1024L)
        .setPod(pod).setNode(node).build();
  }

  @Test
  void replayingEventsRebuildsWhatTheySaid() {
    PublishedVolumeState state = PublishedVolumeState.empty();
    state.add(event("a", VolumeEventType.CLAIMED, null, null));
    state.add(event("a", VolumeEventType.BOUND, null, null));
    state.add(event("a", VolumeEventType.MOUNTED, "ns/app-0", "node-1"));
    state.add(event("b", VolumeEventType.CLAIMED, null, null));

    assertThat(state.claims()).isEqualTo(2);
    assertThat(state.facts().get("a")).isEqualTo(ClaimFacts.of(true, 1024L, Map.of("ns/app-0", "node-1"), false, false));
    assertThat(state.last("a").getType()).isEqualTo(VolumeEventType.MOUNTED);
  }

  @Test
  void aClaimDeletedAndReleasedIsForgotten() {
    PublishedVolumeState state = PublishedVolumeState.empty();
    state.add(event("a", VolumeEventType.CLAIMED, null, null));
    state.add(event("a", VolumeEventType.DELETED, null, null));
    assertThat(state.facts().get("a").deleted()).isTrue();

    state.add(event("a", VolumeEventType.RELEASED, null, null));
    assertThat(state.claims()).isZero();
    assertThat(state.last("a")).isNull();
  }
}
