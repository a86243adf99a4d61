package dev.lifeboat.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The chaos run, short: every worker a process of its own, three kills, the off-region store away
 * for 20 s, the broker (8 s), etcd (4 s) and the API (6 s) down, 21 malformed records per input topic and
 * two flipped bits per store. A regression in any promise the full run measures fails the build here.
 * The run's logs stay in {@code target/chaos}.
 */
class ChaosIT {

  @Test
  void aShortChaosRunLosesNothingCrashesNothingAndCatchesEveryCorruption() throws Exception {
    Path dir = Path.of("target", "chaos").toAbsolutePath();
    Files.createDirectories(dir);
    Path run = Files.createTempDirectory(dir, "run-");

    ChaosFigures figures = new ChaosRun(new ChaosRun.Settings(run, 3, Duration.ofSeconds(20), 21, 2, 42, Duration.ofSeconds(8))).run();

    String report = figures.report();
    Files.writeString(run.resolve("report.md"), report);
    assertThat(figures.killsDone()).isEqualTo(3);
    assertThat(figures.malformedSent()).isPositive();
    assertThat(figures.metTargets()).as(report).isTrue();
  }
}
