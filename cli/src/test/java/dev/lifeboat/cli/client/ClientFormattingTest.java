package dev.lifeboat.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientFormattingTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  private static AuditEvent event(AuditOutcome outcome, Progress progress, String reason) {
    return AuditEvent.newBuilder()
        .setHeader(Header.newBuilder().setEventId("e").setTime(NOW).setCluster("demo").setSource("commands")
            .setCorrelationId("c1").build())
        .setActor("ops").setAction("command.restore").setSubject("RESOURCES latest state [shop]").setOutcome(outcome)
        .setReason(reason).setProgress(progress).setDetails(Map.of()).build();
  }

  @Test
  void timesAreInstantsWithAZoneOrATimeAgo() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    assertThat(TimeArgument.parse("2026-01-01T12:00:00Z", clock)).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
    assertThat(TimeArgument.parse("2026-01-01T13:00:00+01:00", clock)).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
    assertThat(TimeArgument.parse("15m", clock)).isEqualTo(NOW.minusSeconds(900));
    assertThat(TimeArgument.parse("2h", clock)).isEqualTo(NOW.minusSeconds(7200));
    assertThat(TimeArgument.parse("7d", clock)).isEqualTo(NOW.minusSeconds(7 * 86400));
    assertThatThrownBy(() -> TimeArgument.parse("2026-01-01T12:00:00", clock)).hasMessageContaining("with its zone");
  }

  @Test
  void progressIsABarOnATerminalAndPlainLinesOtherwise() {
    StringWriter plain = new StringWriter();
    CommandProgress lines = new CommandProgress(new PrintWriter(plain), false);
    lines.show(event(AuditOutcome.STARTED, null, null));
    lines.show(event(AuditOutcome.PROGRESSING, new Progress(50L, 200L, "objects"), null));
    lines.show(event(AuditOutcome.SUCCEEDED, null, "restored 200 objects"));
    lines.finish();
    assertThat(plain.toString().lines()).containsExactly(
        "2026-03-01 10:00:00  STARTED          command.restore  RESOURCES latest state [shop]",
        "progress 50/200 objects",
        "2026-03-01 10:00:00  SUCCEEDED        command.restore  RESOURCES latest state [shop]  restored 200 objects");

    StringWriter tty = new StringWriter();
    CommandProgress bar = new CommandProgress(new PrintWriter(tty), true);
    bar.show(event(AuditOutcome.PROGRESSING, new Progress(50L, 200L, "objects"), null));
    bar.show(event(AuditOutcome.PROGRESSING, new Progress(200L, 200L, "objects"), null));
    bar.show(event(AuditOutcome.SUCCEEDED, null, null));
    assertThat(tty.toString())
        .contains("\r  [#######-----------------------]  25%  50/200 objects")
        .contains("\r  [##############################] 100%  200/200 objects")
        .contains("   \n2026-03-01 10:00:00  SUCCEEDED");
  }

  @Test
  void tablesAlignTheirColumnsAndSizesReadAsBinaryUnits() {
    StringWriter text = new StringWriter();
    new Table("ID", "SIZE").row("a", "1 B").row("long-id", "2.0 KiB").print(new PrintWriter(text));
    assertThat(text.toString().lines()).containsExactly("ID       SIZE", "a        1 B", "long-id  2.0 KiB");
    assertThat(SnapshotCatalog.humanSize(null)).isEqualTo("-");
    assertThat(SnapshotCatalog.humanSize(512L)).isEqualTo("512 B");
    assertThat(SnapshotCatalog.humanSize(1536L)).isEqualTo("1.5 KiB");
    assertThat(SnapshotCatalog.humanSize(3L * 1024 * 1024 * 1024)).isEqualTo("3.0 GiB");
  }

  @Test
  void exitCodesFollowTheOutcome() {
    assertThat(ExitCodes.of(AuditOutcome.SUCCEEDED)).isZero();
    assertThat(ExitCodes.of(AuditOutcome.REJECTED)).isEqualTo(3);
    assertThat(ExitCodes.of(AuditOutcome.FAILED)).isEqualTo(4);
    assertThat(ExitCodes.of(AuditOutcome.PARTIALLY_FAILED)).isEqualTo(5);
  }
}
