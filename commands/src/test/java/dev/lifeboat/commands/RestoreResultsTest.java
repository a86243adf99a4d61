package dev.lifeboat.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.restore.ResourceRestoreReport;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.restore.ResourceRestoreReport.ClaimData;
import dev.lifeboat.restore.ResourceRestoreReport.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestoreResultsTest {

  @Test
  void claimsARestoreCreatedAreNamedAsOnNewEmptyVolumes() {
    ValidatedRestore restore = new ValidatedRestore("c1", "ops", "prod", SnapshotKind.RESOURCES,
        new ValidatedRestore.StateAt(Instant.parse("2026-12-01T00:00:00Z"), true), List.of("shop"), List.of(), null,
        Map.of("shop", "shop-dr"), "dr", null, ConflictPolicy.SKIP, false, Map.of("gp2", "standard"), false);
    ResourceRestoreReport report = new ResourceRestoreReport("prod at 2026-12-01T00:00:00Z", null, 3, List.of(), 4, false,
        List.of("shop-dr"), List.of(), List.of(
            new Outcome(Action.CREATE, "", "v1", "Namespace", null, "shop-dr", null, null),
            new Outcome(Action.CREATE, "", "v1", "PersistentVolumeClaim", "shop", "data", "shop-dr", null),
            new Outcome(Action.SKIP, "", "v1", "PersistentVolumeClaim", "shop", "logs", "shop-dr", "already exists"),
            new Outcome(Action.CREATE, "apps", "v1", "Deployment", "shop", "web", "shop-dr", null)),
        Duration.ofSeconds(1), Instant.parse("2026-11-30T23:59:58Z"), List.of());
    RestoreService.Result result = RestoreResults.resources(restore, report);
    assertThat(result.outcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(result.details()).containsEntry("claimsOnNewVolumes", "shop-dr/data");
    assertThat(result.summary()).contains("; 1 claims got new, empty volumes (restore their data with --kind volume): "
        + "shop-dr/data");
  }

  @Test
  void theRecoveryPointReachedIsReportedWithHowFarItLiesBeforeTheInstantAskedFor() {
    ValidatedRestore restore = new ValidatedRestore("c1", "ops", "prod", SnapshotKind.RESOURCES,
        new ValidatedRestore.StateAt(Instant.parse("2026-12-01T00:00:00Z"), true), List.of(), List.of(), null,
        Map.of(), "dr", null, ConflictPolicy.SKIP, false, Map.of(), false);
    ResourceRestoreReport report = new ResourceRestoreReport("prod at 2026-12-01T00:00:00Z", "s1", 3, List.of(), 1, false,
        List.of(), List.of(), List.of(new Outcome(Action.CREATE, "", "v1", "ConfigMap", "shop", "a", "shop", null)),
        Duration.ofSeconds(1), Instant.parse("2026-11-30T23:58:30Z"), List.of());

    RestoreService.Result result = RestoreResults.resources(restore, report);

    assertThat(result.details()).containsEntry("recoveryPoint", "2026-11-30T23:58:30Z")
        .containsEntry("recoveryPointBehind", "PT1M30S");
    assertThat(result.summary()).endsWith("; the newest change this repository holds at or before 2026-12-01T00:00:00Z"
        + " is from 2026-11-30T23:58:30Z (1m30s before it)");
  }

  @Test
  void claimsFilledWithTheirDataAreNamedWithTheirSnapshotAndSkewAndAClaimWithoutOneIsNamedEmpty() {
    ValidatedRestore restore = new ValidatedRestore("c1", "ops", "prod", SnapshotKind.RESOURCES,
        new ValidatedRestore.StateAt(Instant.parse("2026-12-01T00:00:00Z"), false), List.of("shop"), List.of(), null,
        Map.of(), "dr", null, ConflictPolicy.SKIP, false, Map.of(), true);
    ResourceRestoreReport report = new ResourceRestoreReport("prod at 2026-12-01T00:00:00Z", null, 3, List.of(), 2, false,
        List.of(), List.of(), List.of(
            new Outcome(Action.CREATE, "", "v1", "PersistentVolumeClaim", "shop", "data", "shop", null),
            new Outcome(Action.CREATE, "", "v1", "PersistentVolumeClaim", "shop", "logs", "shop", null)),
        Duration.ofSeconds(1), Instant.parse("2026-11-30T23:59:00Z"), List.of(
            new ClaimData("shop/data", ClaimData.State.FILLED, "s-7", Instant.parse("2026-11-30T23:00:00Z"),
                Duration.ofHours(1), 12, 4096, Duration.ofSeconds(2), null),
            new ClaimData("shop/logs", ClaimData.State.EMPTY, null, null, null, 0, 0, Duration.ZERO,
                "no volume snapshot of the source claim at or before 2026-12-01T00:00:00Z")));

    RestoreService.Result result = RestoreResults.resources(restore, report);

    assertThat(result.outcome()).isEqualTo(AuditOutcome.SUCCEEDED);
    assertThat(result.counts()).containsEntry("claimFiles", 12L).containsEntry("claimBytes", 4096L);
    assertThat(result.details()).containsEntry("claimsFilled", "shop/data=s-7@2026-11-30T23:00:00Z(skew PT1H)")
        .containsEntry("claimSkewMax", "PT1H").containsEntry("claimsOnNewVolumes", "shop/logs");
    assertThat(result.summary()).contains("1 claims filled with their volume data (the oldest snapshot 1h before the"
        + " restore point)", "1 claims got new, empty volumes (no volume snapshot of the source claim at or before");
  }
}
