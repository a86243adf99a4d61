package dev.lifeboat.commands;

import dev.lifeboat.restore.DataMoverSettings;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;

/**
 * How the commands worker runs.
 *
 * @param commandsTopic where commands arrive
 * @param snapshotRequestsTopic where SnapshotNow puts its request
 * @param snapshotsTopic where the snapshot's outcome appears
 * @param verificationsTopic where a VerifyNow's proof appears
 * @param verificationRequestsTopic where a VerifyNow puts its {@code VerificationRequested}: the
 *     verifier's input, {@code lifeboat.replications}
 * @param restoreThreads restores that run at once; more wait their turn (SnapshotNow and VerifyNow
 *     take no thread while they wait)
 * @param snapshotTimeout how long a SnapshotNow waits for its snapshot before it fails
 * @param verifyTimeout how long a VerifyNow waits for its verification before it fails
 * @param progressEvery at most one PROGRESSING audit event per command this often
 * @param dataTimeout how long validation may retry reaching the repository or a target cluster
 *     before it rejects the command (the commands partition must not stall: Cancel comes through it)
 * @param volumePolicies the volume policies the watcher applies ({@code watcher.volumePolicies}): an
 *     application recovery point snapshots each claim by its policy's method (file-level when none
 *     matches)
 * @param dataMover how restored claims get their data written: the data-mover pods ({@code restore}
 *     section)
 */
public record CommandsSettings(
    String commandsTopic,
    String snapshotRequestsTopic,
    String snapshotsTopic,
    String verificationsTopic,
    String verificationRequestsTopic,
    int restoreThreads,
    Duration snapshotTimeout,
    Duration verifyTimeout,
    Duration progressEvery,
    Duration dataTimeout,
    List<VolumePolicy> volumePolicies,
    DataMoverSettings dataMover) {

  public CommandsSettings {
    volumePolicies = List.copyOf(volumePolicies);
  }

  public static CommandsSettings defaults() {
    return new CommandsSettings(Topics.COMMANDS, Topics.SNAPSHOT_REQUESTS, Topics.SNAPSHOTS, Topics.VERIFICATIONS,
        Topics.REPLICATIONS, 2,
        Duration.ofHours(6), Duration.ofHours(6), Duration.ofSeconds(1), Duration.ofSeconds(10), List.of(),
        DataMoverSettings.fromEnvironment());
  }

  /** The same settings reading and writing other topics (tests use topics of their own). */
  public CommandsSettings withTopics(String commands, String snapshotRequests, String snapshots, String verifications,
      String verificationRequests) {
    return new CommandsSettings(commands, snapshotRequests, snapshots, verifications, verificationRequests, restoreThreads,
        snapshotTimeout, verifyTimeout, progressEvery, dataTimeout, volumePolicies, dataMover);
  }

  public CommandsSettings withTimeouts(Duration snapshot, Duration verify) {
    return new CommandsSettings(commandsTopic, snapshotRequestsTopic, snapshotsTopic, verificationsTopic,
        verificationRequestsTopic, restoreThreads, snapshot, verify, progressEvery, dataTimeout, volumePolicies, dataMover);
  }

  /** The same settings with the watcher's volume policies. */
  public CommandsSettings withVolumePolicies(List<VolumePolicy> policies) {
    return new CommandsSettings(commandsTopic, snapshotRequestsTopic, snapshotsTopic, verificationsTopic,
        verificationRequestsTopic, restoreThreads, snapshotTimeout, verifyTimeout, progressEvery, dataTimeout, policies,
        dataMover);
  }

  /** The same settings with the data movers of the {@code restore} section. */
  public CommandsSettings withDataMover(DataMoverSettings mover) {
    return new CommandsSettings(commandsTopic, snapshotRequestsTopic, snapshotsTopic, verificationsTopic,
        verificationRequestsTopic, restoreThreads, snapshotTimeout, verifyTimeout, progressEvery, dataTimeout,
        volumePolicies, mover);
  }
}
