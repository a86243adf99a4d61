package dev.lifeboat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The region-loss drill of {@code bench/run dr}, small: three namespaces of ten objects and two
 * volumes of 5 MiB protected by the real workers, the region deleted, {@code lifeboat restore
 * --direct} from the off-region store in a JVM of its own. A regression anywhere on that path (a
 * change not copied, a claim left empty, a file differing) fails the build here.
 */
class DrIT {
  @TempDir
  Path dir;

  @Test
  void fromTheOffRegionStoreAloneEveryObjectAndEveryFileComesBackAtTheLastChange() throws Exception {
    DrBenchmark.Drill drill = DrBenchmark.drill(dir, 3, 10, 2, 5);

    DrRecovery.Outcome outcome = drill.outcome();
    assertThat(outcome.problems()).as(outcome.run().out()).isEmpty();
    assertThat(outcome.created()).as("every object of the namespaces created").isEqualTo(drill.source().objects().size());
    assertThat(outcome.recoveryPoint()).as("the recovery point is the last change made").isEqualTo(drill.source().lastChange());
    assertThat(outcome.claimBytes()).isEqualTo(2 * (5L << 20));
    assertThat(outcome.run().moverPods()).isEqualTo(2);
    assertThat(outcome.run().fillSeconds()).isPositive().isLessThan(outcome.took().toNanos() / 1e9);
  }
}
