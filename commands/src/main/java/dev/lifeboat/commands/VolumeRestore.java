package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.restore.FileRestorer;
import dev.lifeboat.restore.DiskSync;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Restores a volume snapshot's files into {@code targetPath} (absent or an empty directory) with
 * core's {@link FileRestorer}: every file's SHA-256 checked, modes, mtimes, links and sparse regions
 * kept; a damaged chunk fails its file alone and the restore is PARTIALLY_FAILED. Once the files
 * are being written the restore runs to its end (cancellation is checked before). A dry run checks
 * the target and counts what would be written.
 */
final class VolumeRestore implements RestoreService {
  private final RestoreData data;

  VolumeRestore(RestoreData data) {
    this.data = data;
  }

  @Override
  public Result restore(ValidatedRestore restore, Progress progress, CancellationToken cancellation) throws Exception {
    Manifest manifest = ((ValidatedRestore.Snapshot) restore.source()).found().manifest();
    List<FileEntry> entries = manifest.files() == null ? List.of() : manifest.files();
    long files = entries.stream().filter(e -> FileEntry.FILE.equals(e.type())).count();
    long bytes = entries.stream().filter(e -> FileEntry.FILE.equals(e.type())).mapToLong(FileEntry::size).sum();
    Path target = Path.of(restore.targetPath());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("snapshotId", manifest.snapshotId());
    details.put("volume", manifest.target());
    details.put("targetPath", target.toString());
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !emptyDirectory(target)) {
      return new Result(AuditOutcome.FAILED, "the target " + target + " is not an empty directory: a volume is restored"
          + " into an empty or absent directory only", Map.of(), details);
    }
    if (restore.dryRun()) {
      details.put("dryRun", "true");
      return new Result(AuditOutcome.SUCCEEDED, "dry run: " + files + " files (" + bytes + " bytes) would be restored into "
          + target + "; nothing was written", Map.of("files", files, "bytes", bytes), details);
    }
    cancellation.throwIfCancelled();
    progress.report(0, files, "files");
    Repository repository = data.require();
    repository.chunks().refresh();
    ExecutorService fetches = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "lifeboat-restore-fetch");
      t.setDaemon(true);
      return t;
    });
    FileRestorer.Report report;
    try {
      report = new FileRestorer(false, fetches, FileRestorer.DEFAULT_CHUNKS_AHEAD).restore(repository, manifest, target);
    } finally {
      fetches.shutdownNow();
    }
    DiskSync.tree(target); // on disk before the command reports what it restored
    progress.report(report.files(), files, "files");
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("files", report.files());
    counts.put("directories", report.directories());
    counts.put("symlinks", report.symlinks());
    counts.put("bytes", report.bytes());
    counts.put("failed", (long) report.errors().size() + report.mismatches().size());
    counts.put("notInSnapshot", (long) report.notInSnapshot().size());
    if (!report.errors().isEmpty()) {
      details.put("firstError", report.errors().get(0).path() + ": " + report.errors().get(0).message());
    }
    if (!report.mismatches().isEmpty()) {
      details.put("firstMismatch", report.mismatches().get(0).path());
    }
    String summary = "restored " + report.files() + " files (" + report.bytes() + " bytes) of volume " + manifest.target()
        + " into " + target;
    if (report.clean()) {
      return new Result(AuditOutcome.SUCCEEDED, summary, counts, details);
    }
    AuditOutcome outcome = report.files() == 0 && files > 0 ? AuditOutcome.FAILED : AuditOutcome.PARTIALLY_FAILED;
    return new Result(outcome, summary + "; " + counts.get("failed") + " entries failed", counts, details);
  }

  private static boolean emptyDirectory(Path path) throws java.io.IOException {
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (Stream<Path> children = Files.list(path)) {
      return children.findAny().isEmpty();
    }
  }
}
