package dev.lifeboat.snapshotter.csi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CsiSnapshotterTest {

  @Test
  void durationsAreWrittenAsInTheConfiguration() {
    assertThat(CsiSnapshotter.human(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(CsiSnapshotter.human(Duration.ofSeconds(2))).isEqualTo("2s");
    assertThat(CsiSnapshotter.human(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
