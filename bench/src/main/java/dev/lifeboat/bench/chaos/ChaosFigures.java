package dev.lifeboat.bench.chaos;

import dev.lifeboat.bench.chaos.ChaosRun.Settings;
import dev.lifeboat.bench.chaos.Corruptions.Damage;
import dev.lifeboat.cli.client.PipelineReport;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.repository.check.CheckReport;
import dev.lifeboat.repository.check.CheckReport.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What a chaos run measured, and its report: every figure here was counted by the run that prints it. */
public final class ChaosFigures {
  record Malformed(int sent, long deadLettered, long audited) {}

  record Starts(int starts, boolean aliveAtEnd) {}

  private Settings settings;
  private Instant startedAt;
  private Instant endedAt;
  private String loadAtStart;
  private String loadAtEnd;
  private Duration warmUp;
  private final Map<String, Integer> kills = new TreeMap<>();
  private final List<String> faults = new ArrayList<>();
  private final Map<String, Duration> caughtUp = new LinkedHashMap<>();
  private final Map<String, Malformed> malformed = new LinkedHashMap<>();
  private int hostile;
  private long hostileAnswered;
  private final Map<String, Long> crashes = new LinkedHashMap<>();
  private final List<Damage> injected = new ArrayList<>();
  private final Map<String, CheckReport> checks = new LinkedHashMap<>();
  private PipelineReport pipeline;
  private final Map<String, Long> snapshotsByKind = new TreeMap<>();
  private long snapshotsFailed;
  private final Map<String, Long> verificationsByOutcome = new TreeMap<>();
  private final Map<String, Long> peakHeap = new LinkedHashMap<>();
  private final Map<String, Starts> starts = new LinkedHashMap<>();
  private final List<String> timeouts = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  void started(Settings s) {
    settings = s;
    startedAt = Instant.now();
    loadAtStart = load();
  }

  void ended() {
    endedAt = Instant.now();
    loadAtEnd = load();
  }

  Instant startedAt() {
    return startedAt;
  }

  void warmUp(Duration d) {
    warmUp = d;
  }

  void killed(String worker) {
    kills.merge(worker, 1, Integer::sum);
  }

  void fault(String name) {
    faults.add(name);
  }

  void caughtUp(String after, Duration took) {
    caughtUp.put(after, took);
  }

  void malformed(String topic, int sent, long deadLettered, long audited) {
    malformed.put(topic, new Malformed(sent, deadLettered, audited));
  }

  void hostile(int sent, long answered) {
    hostile = sent;
    hostileAnswered = answered;
  }

  void crashesAfter(Instant after, long count) {
    crashes.put(after.equals(startedAt) ? "whole run" : "after the malformed records", count);
  }

  void injected(List<Damage> damage) {
    injected.addAll(damage);
  }

  void checked(String store, CheckReport report) {
    checks.put(store, report);
  }

  void pipeline(PipelineReport report) {
    pipeline = report;
  }

  void totals(Observations o) {
    o.completed.forEach(c -> snapshotsByKind.merge(c.getKind().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum));
    snapshotsFailed = o.failed.size();
    for (SnapshotVerified v : o.verified) {
      String outcome = v.getOutcome() != null ? v.getOutcome().name() : (v.getPassed() ? "PASSED" : "FAILED");
      verificationsByOutcome.merge(outcome, 1L, Long::sum);
      if (outcome.equals("FAILED")) {
        notes.add("verification of " + v.getKind() + " snapshot " + v.getSnapshotId() + " FAILED: " + v.getChecks().stream()
            .filter(c -> !c.getPassed()).map(c -> c.getName() + " (" + c.getActual() + ")").collect(Collectors.joining("; ")));
      }
    }
  }

  void peakHeap(String process, long bytes) {
    peakHeap.put(process, bytes);
  }

  void starts(String process, int count, boolean alive) {
    starts.put(process, new Starts(count, alive));
  }

  void timedOut(String what, Duration after) {
    timeouts.add(what + " (gave up after " + human(after) + ")");
  }

  void note(String note) {
    notes.add(note);
  }

  // ---- derived figures

  int killsDone() {
    return kills.values().stream().mapToInt(Integer::intValue).sum();
  }

  long snapshotsLost() {
    return pipeline == null ? -1 : pipeline.problems().stream().filter(p -> p.reason().contains("manifest")).count();
  }

  long dangling() {
    return checks.values().stream().flatMap(c -> c.problems().stream()).filter(p -> p.reason().contains("are in no pack")).count();
  }

  long changesMissingOffRegion() {
    return pipeline == null ? -1 : pipeline.problems().stream()
        .filter(p -> p.object().equals("store offsite") && p.reason().contains("change-log segment")).count();
  }

  /** Scratch namespaces and directories a verification or a stopped verifier left behind (check --pipeline). */
  long scratchLeftBehind() {
    return pipeline == null ? -1 : pipeline.problems().stream().filter(p -> p.object().startsWith("scratch ")).count();
  }

  long crashes() {
    return crashes.getOrDefault("whole run", 0L);
  }

  /** Damage a check named, by the object's key. */
  long caught() {
    return injected.stream().filter(this::caught).count();
  }

  private boolean caught(Damage d) {
    CheckReport report = checks.get(d.store());
    if (report == null) {
      return false;
    }
    String name = d.key().startsWith("packs/") ? "pack " + d.key().substring(d.key().lastIndexOf('/') + 1)
        : d.key().startsWith("index/") ? "index file " + d.key() : "segment " + d.key();
    return report.problems().stream().anyMatch(p -> p.object().equals(name));
  }

  /** Problems the checks found that no injected damage explains. */
  List<String> unexplained() {
    List<String> out = new ArrayList<>();
    checks.forEach((store, report) -> report.problems().stream().filter(p -> injected.stream()
        .noneMatch(d -> d.store().equals(store) && mentions(p, d))).forEach(p -> out.add(store + ": " + p)));
    if (pipeline != null) {
      pipeline.problems().forEach(p -> out.add("pipeline: " + p));
    }
    return out;
  }

  private static boolean mentions(Problem p, Damage d) {
    String id = d.key().substring(d.key().lastIndexOf('/') + 1);
    return p.object().contains(id) || p.object().contains(d.key()) || p.reason().contains(id);
  }

  long malformedSent() {
    return malformed.values().stream().mapToLong(Malformed::sent).sum();
  }

  long malformedDeadLettered() {
    return malformed.values().stream().mapToLong(Malformed::deadLettered).sum();
  }

  long malformedAudited() {
    return malformed.values().stream().mapToLong(Malformed::audited).sum();
  }

  /** The targets: nothing lost or dangling, no crash, every corruption caught, every malformed record dead-lettered and audited. */
  public boolean metTargets() {
    return snapshotsLost() == 0 && dangling() == 0 && changesMissingOffRegion() == 0 && scratchLeftBehind() == 0 && crashes() == 0
        && caught() == injected.size() && malformedDeadLettered() == malformedSent() && malformedAudited() == malformedSent()
        && hostileAnswered == hostile && timeouts.isEmpty() && unexplained().isEmpty();
  }

  // ---- report

  public String report() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("Chaos run of %s (%s), seed %d, on %d cores; load average %s at the start, %s at the end.%n%n",
        startedAt, human(Duration.between(startedAt, endedAt == null ? Instant.now() : endedAt)), settings.seed(),
        Runtime.getRuntime().availableProcessors(), loadAtStart, loadAtEnd == null ? "-" : loadAtEnd));
    out.append("| what | measured | target |\n|---|---|---|\n");
    row(out, "workers killed with kill -9", killsDone() + " " + kills, settings.kills() + "");
    row(out, "snapshots completed", snapshotsByKind.values().stream().mapToLong(Long::longValue).sum() + " " + snapshotsByKind
        + ", " + snapshotsFailed + " reported failed", "");
    row(out, "verifications completed", verificationsByOutcome.values().stream().mapToLong(Long::longValue).sum() + " "
        + verificationsByOutcome, "");
    row(out, "snapshots lost (completed or copied, manifest missing)", snapshotsLost() + "", "0");
    row(out, "manifests naming missing chunks", dangling() + "", "0");
    row(out, "changes missing off-region", changesMissingOffRegion() + "", "0");
    row(out, "scratch namespaces and directories left behind", scratchLeftBehind() + "", "0");
    row(out, "malformed records dead-lettered / sent", malformedDeadLettered() + " / " + malformedSent()
        + " (" + malformedAudited() + " with their audit event)", "all");
    row(out, "hostile commands answered / sent", hostileAnswered + " / " + hostile, "all");
    row(out, "worker crashes (component.restart)", crashes.toString(), "0");
    row(out, "corruptions caught / injected", caught() + " / " + injected.size() + " (by lifeboat check --read-data)", "all");
    caughtUp.forEach((after, took) -> row(out, "caught up after: " + after, human(took), ""));
    row(out, "warm-up (first snapshots of every kind off-region)", warmUp == null ? "-" : human(warmUp), "");
    peakHeap.forEach((p, bytes) -> row(out, "peak heap of " + p + " (sampled every 2 s)",
        mib(bytes), ""));
    out.append('\n');
    List<String> unexplained = unexplained();
    out.append(unexplained.isEmpty() ? "Every problem the checks found is an injected corruption.\n"
        : "Problems no injected corruption explains:\n" + unexplained.stream().map(u -> "- " + u).collect(Collectors.joining("\n")) + "\n");
    if (!timeouts.isEmpty()) {
      out.append("Timed out: ").append(String.join("; ", timeouts)).append('\n');
    }
    notes.forEach(n -> out.append("Note: ").append(n).append('\n'));
    out.append(metTargets() ? "All targets met.\n" : "Targets NOT met.\n");
    return out.toString();
  }

  private static void row(StringBuilder out, String what, String measured, String target) {
    out.append("| ").append(what).append(" | ").append(measured).append(" | ").append(target).append(" |\n");
  }

  /** Writes the report into {@code file} between its chaos markers (the rest of the file is kept). */
  public void writeInto(Path file) throws IOException {
    String begin = "<!-- chaos-run:begin (generated by bench/run chaos) -->";
    String end = "<!-- chaos-run:end -->";
    String text = Files.exists(file) ? Files.readString(file) : "";
    String block = begin + "\n" + report() + end;
    int i = text.indexOf(begin);
    int j = text.indexOf(end);
    String updated = i >= 0 && j > i ? text.substring(0, i) + block + text.substring(j + end.length()) : text + "\n" + block + "\n";
    Files.writeString(file, updated);
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60)
        : String.format("%.1f s", d.toMillis() / 1000.0);
  }

  private static String mib(long bytes) {
    return String.format("%.0f MiB", bytes / 1048576.0);
  }

  private static String load() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " / " + parts[1] + " / " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
