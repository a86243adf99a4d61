package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PortsTest {

  @Test
  void preferredPortIsChosenWhenItIsFree() {
    int port = Ports.free();

    assertThat(Ports.preferredOrFree(port)).isEqualTo(port);
  }

  @Test
  void anotherFreePortIsChosenWhenThePreferredOneIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(Ports.loopback(), 0));
      int port = taken.getLocalPort();

      int chosen = Ports.preferredOrFree("test component", port);

      assertThat(chosen).isNotEqualTo(port).isPositive();
      assertThat(Ports.isFree(chosen)).isTrue();
      assertThat(Ports.isFree(port)).isFalse();
    }
  }

  @Test
  void zeroMeansAnyFreePort() {
    assertThat(Ports.preferredOrFree(0)).isBetween(1, 65535);
  }

  @Test
  void anOutOfRangePortIsRejectedWithTheComponentName() {
    assertThatThrownBy(() -> Ports.preferredOrFree("Kafka", 70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Kafka")
        .hasMessageContaining("70000");
  }

  @Test
  void aSecondFreePortIsNeverTheFirst() {
    for (int i = 0; i < 200; i++) {
      int first = Ports.free();
      assertThat(Ports.freeOtherThan(first)).isNotEqualTo(first);
    }
  }
}
