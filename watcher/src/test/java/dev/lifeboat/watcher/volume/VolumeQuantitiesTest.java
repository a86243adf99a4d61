package dev.lifeboat.watcher.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeQuantitiesTest {

  private static Long bytes(String quantity) {
    Quantity q = new Quantity();
    q.setAmount(quantity); // as given, unparsed: the way a malformed value would arrive
    return Quantities.bytes(q);
  }

  @Test
  void binaryAndDecimalSuffixes() {
    assertThat(bytes("10Gi")).isEqualTo(10L * 1024 * 1024 * 1024);
    assertThat(bytes("1.5Gi")).isEqualTo(1_610_612_736L);
    assertThat(bytes("512Mi")).isEqualTo(512L * 1024 * 1024);
    assertThat(bytes("500M")).isEqualTo(500_000_000L);
    assertThat(bytes("2Ti")).isEqualTo(2L << 40);
    assertThat(bytes("1k")).isEqualTo(1000L);
  }

  @Test
  void plainNumbersAndExponents() {
    assertThat(bytes("4096")).isEqualTo(4096L);
    assertThat(bytes("1e3")).isEqualTo(1000L);
    assertThat(bytes("1E9")).isEqualTo(1_000_000_000L);
  }

  @Test
  void fractionsRoundUpToAWholeByte() {
    assertThat(bytes("100m")).isEqualTo(1L);
    assertThat(bytes("1500m")).isEqualTo(2L);
  }

  @Test
  void missingOrBadQuantitiesGiveNothing() {
    assertThat(Quantities.bytes(null)).isNull();
    assertThat(bytes("")).isNull();
    assertThat(bytes("lots")).isNull();
    assertThat(bytes("-1Gi")).isNull();
    assertThat(bytes("99999999Ei")).as("does not fit a long").isNull();
  }

  @Test
  void storageEntryOfAResourceMap() {
    assertThat(Quantities.storage(Map.of("storage", new Quantity("1Gi"), "cpu", new Quantity("1")))).isEqualTo(1L << 30);
    assertThat(Quantities.storage(Map.of("cpu", new Quantity("1")))).isNull();
    assertThat(Quantities.storage(null)).isNull();
  }
}
