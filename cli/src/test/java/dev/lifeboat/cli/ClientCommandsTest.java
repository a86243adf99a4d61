package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.cli.client.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client commands refuse what cannot be sent before they reach for Kafka, and say why. */
class ClientCommandsTest {
  @TempDir
  Path dir;

  private final StringWriter err = new StringWriter();
  private final StringWriter out = new StringWriter();

  private int run(String... args) {
    CommandLine cli = LifeboatCli.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(out));
    return cli.execute(args);
  }

  @Test
  void aSnapshotAndAnInstantTogetherAreAUsageError() {
    assertThat(run("restore", "--snapshot", "20260101T120000Z-abcdef", "--at", "2h", "-n", "shop")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("give --snapshot or --at, not both");
  }

  @Test
  void anInstantThatIsNoTimeIsAUsageErrorThatSaysWhatWouldDo() {
    assertThat(run("restore", "--at", "yesterday", "-n", "shop")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'yesterday' is not a time", "2026-01-01T12:00:00Z", "15m");
  }

  @Test
  void aMappingWithoutTargetAndAnUnknownKindAreUsageErrors() {
    assertThat(run("restore", "--map", "shop", "-n", "shop")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("restore", "--kind", "volumes")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--kind");
  }

  @Test
  void aDataDirectoryWithoutEndpointsSaysHowToStartTheDemo() {
    assertThat(run("restore", "--data-dir", dir.toString(), "-n", "shop", "--dry-run")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("endpoints.json", "does not exist", "lifeboat demo --data-dir");
    assertThat(run("snapshots", "list", "--data-dir", dir.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(run("audit", "tail", "--data-dir", dir.toString())).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void aDataDirectoryAndAConfigurationTogetherAreAUsageError() {
    assertThat(run("audit", "tail", "--data-dir", dir.toString(), "--config", dir.resolve("lifeboat.yaml").toString()))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("give --data-dir or --config, not both");
  }

  @Test
  void verifyNowNamesASnapshotOrATarget() {
    assertThat(run("verify", "now", "--data-dir", dir.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--snapshot", "--target");
  }

  @Test
  void snapshotsNowTakesAKindOrANamespaceButNotBoth() {
    assertThat(run("snapshots", "now", "--data-dir", dir.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--kind resources|etcd, or -n NAMESPACE");
    assertThat(run("snapshots", "now", "--data-dir", dir.toString(), "-n", "shop", "--kind", "etcd"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("leave out --kind and --target");
    assertThat(run("snapshots", "now", "--data-dir", dir.toString(), "--kind", "etcd", "--no-hooks"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--no-hooks goes with -n");
  }

  @Test
  void helpDocumentsTheExitCodes() {
    assertThat(run("restore", "--help")).isZero();
    assertThat(out.toString()).contains("--snapshot", "--at", "--map", "--dry-run", "--wait", "Exit codes: 0 succeeded",
        "3 rejected", "4 failed", "5 partially failed", "6 timed out");
  }
}
