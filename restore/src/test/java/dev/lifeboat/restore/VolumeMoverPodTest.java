package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class VolumeMoverPodTest {
  @Test
  void aMoverRunsUnprivilegedUnlessItMustGiveFilesTheirOwnersAndThenHoldsOnlyChownAndFowner() {
    Pod plain = VolumeMover.moverPod("shop", "mover", "data", "lifeboat:test", false);
    Pod owning = VolumeMover.moverPod("shop", "mover", "data", "lifeboat:test", true);

    assertThat(plain.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(plain.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    Container plainContainer = plain.getSpec().getContainers().get(0);
    assertThat(plainContainer.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(plainContainer.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();

    assertThat(owning.getSpec().getSecurityContext().getRunAsNonRoot()).isFalse();
    assertThat(owning.getSpec().getSecurityContext().getRunAsUser()).isZero();
    Container owningContainer = owning.getSpec().getContainers().get(0);
    assertThat(owningContainer.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(owningContainer.getSecurityContext().getCapabilities().getAdd()).containsExactly("CHOWN", "FOWNER");
    for (Pod pod : new Pod[] {plain, owning}) {
      Container c = pod.getSpec().getContainers().get(0);
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    }
  }
}
