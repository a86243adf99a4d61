package dev.lifeboat.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.pack.PackFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  private final byte[] data = random(300_000);
  private final String sha = PackFormat.sha256(data);

  @Test
  void bytesThatMatchTheirChecksumPassThroughUnchanged() throws IOException {
    VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(data), "packs/ab/x", data.length, sha);

    assertThat(in.readAllBytes()).isEqualTo(data);
    assertThat(in.damage()).isNull();
  }

  @Test
  void aDamagedObjectIsRefusedBeforeItsLastBytesAreHandedOver() throws IOException {
    byte[] damaged = data.clone();
    damaged[12_345] ^= 1;
    VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(damaged), "packs/ab/x", data.length, sha);
    byte[] buffer = new byte[64 * 1024];
    long handedOver = 0;

    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        handedOver += n;
      }
    } catch (DamagedObjectException e) {
      assertThat(e.key()).isEqualTo("packs/ab/x");
      assertThat(e.getMessage()).contains("packs/ab/x is damaged: its bytes hash to SHA-256").contains("not " + sha);
    }

    assertThat(handedOver).as("a reader never receives the whole damaged object").isLessThan(data.length);
    assertThat(in.damage()).contains("hash to SHA-256");
  }

  @Test
  void anObjectShorterThanItsListedSizeIsDamaged() {
    byte[] shorter = Arrays.copyOf(data, data.length - 1);
    InputStream in = new VerifyingInputStream(new ByteArrayInputStream(shorter), "index/x", data.length, sha);

    assertThatThrownBy(in::readAllBytes).isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining("ended after " + shorter.length + " of its " + data.length + " bytes");
  }

  @Test
  void withoutAChecksumOnlyTheLengthIsCheckedAndTheHashIsReported() throws IOException {
    VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(data), "config", data.length, null);

    assertThat(in.readAllBytes()).isEqualTo(data);
    assertThat(in.sha256Hex()).isEqualTo(sha);
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }
}
