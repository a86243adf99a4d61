package dev.lifeboat.commands;

import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.restore.DataMoverSettings;
import dev.lifeboat.restore.Progress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A restore carried out in the calling process, with no Kafka: the same validation and the same
 * restore engine as a Restore command on {@code lifeboat.commands}, reading whichever store {@code
 * data} opens (an off-region copy on the day the protected region is gone). Nothing is published:
 * the outcome is returned, and the caller (the CLI) prints it. Its duration, from the call to the
 * outcome, is the restore's measured recovery time.
 */
public final class DirectRestore {
  /** Detail: how long the restore took, validation included (ISO-8601 duration). */
  public static final String DETAIL_TOOK = "took";

  private final RestoreData data;
  private final TargetClusters targets;
  private final KeyRing keys;
  private final Clock clock;
  private final DataMoverSettings mover;

  /** @param keys the data keys that unseal Secrets; null when none are configured (such Secrets then fail, and say why) */
  public DirectRestore(RestoreData data, TargetClusters targets, KeyRing keys, Clock clock) {
    this(data, targets, keys, clock, DataMoverSettings.fromEnvironment());
  }

  /** @param mover the data-mover pods that write restored claims' files ({@code restore} section) */
  public DirectRestore(RestoreData data, TargetClusters targets, KeyRing keys, Clock clock, DataMoverSettings mover) {
    this.data = data;
    this.targets = targets;
    this.keys = keys;
    this.clock = clock;
    this.mover = mover;
  }

  /**
   * Validates and runs {@code restore}. A restore the validator refuses is a FAILED outcome with its
   * reasons, as a refused command is; a target that cannot be reached is thrown.
   */
  public CommandOutcome run(Restore restore, String requestedBy, Progress progress) throws Exception {
    long started = System.nanoTime();
    String id = UUID.randomUUID().toString();
    List<String> problems = RestoreValidator.fieldProblems(restore);
    if (!problems.isEmpty()) {
      return CommandOutcome.failed("the restore is not valid: " + String.join("; ", problems));
    }
    RestoreValidator.Checked checked = new RestoreValidator(data, targets, clock, Duration.ofSeconds(5))
        .validate(id, requestedBy, restore);
    if (checked.restore() == null) {
      return CommandOutcome.failed("the restore was refused: " + checked.reason());
    }
    CommandOutcome outcome = new RestoreService(data, targets, keys, mover).restore(checked.restore(), progress,
        new CancellationToken()).toOutcome();
    Map<String, String> details = new LinkedHashMap<>(outcome.details());
    details.put(DETAIL_TOOK, Duration.ofMillis((System.nanoTime() - started) / 1_000_000).toString());
    return new CommandOutcome(outcome.outcome(), outcome.reason(), details);
  }
}
