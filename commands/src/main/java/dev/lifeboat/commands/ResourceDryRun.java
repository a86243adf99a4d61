package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamReader;
import dev.lifeboat.repository.resources.PointInTime;
import dev.lifeboat.repository.resources.ResourceDocument;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A dry run of a resource restore without touching the target: reads what the restore would read (a
 * snapshot's streams, each checked against its SHA-256, or the state at an instant), applies the
 * namespace, kind and label filters and the namespace mapping, and reports how many objects would be
 * restored into each target namespace and of each kind. Whether an object already exists in the
 * target is the restore engine's to tell.
 */
final class ResourceDryRun implements RestoreService {
  private final RestoreData data;

  ResourceDryRun(RestoreData data) {
    this.data = data;
  }

  @Override
  public Result restore(ValidatedRestore restore, Progress progress, CancellationToken cancellation) throws Exception {
    ObjectFilter filter = ObjectFilter.of(restore);
    Map<String, Long> byNamespace = new TreeMap<>();
    Map<String, Long> byKind = new TreeMap<>();
    long[] read = {0};
    Consumer<ResourceDocument> each = document -> {
      read[0]++;
      if (read[0] % 1000 == 0) {
        cancellation.throwIfCancelled();
        progress.report(read[0], null, "objects");
      }
      if (filter.takes(document)) {
        String ns = document.namespaceOrCluster();
        byNamespace.merge(ResourceDocument.CLUSTER_SCOPED.equals(ns) ? ns : ns + "->" + restore.targetNamespace(ns), 1L, Long::sum);
        byKind.merge(document.kind(), 1L, Long::sum);
      }
    };
    Map<String, String> details = new LinkedHashMap<>();
    details.put("dryRun", "true");
    long gaps = 0;
    if (restore.source() instanceof ValidatedRestore.Snapshot snapshot) {
      Repository repository = data.require();
      repository.chunks().refresh();
      for (Manifest.Stream stream : snapshot.found().manifest().streams()) {
        if (filter.takesNamespace(stream.name())) {
          cancellation.throwIfCancelled();
          readStream(repository, stream, each);
        }
      }
      details.put("snapshotId", snapshot.snapshotId());
    } else {
      ValidatedRestore.StateAt at = (ValidatedRestore.StateAt) restore.source();
      data.require().chunks().refresh();
      PointInTime.State state = data.pointInTime().stateAt(restore.cluster(), at.at(), filter::takesNamespace);
      state.namespaces().values().forEach(objects -> objects.values().forEach(each));
      details.put("at", at.at().toString());
      if (state.snapshotId() != null) {
        details.put("snapshotId", state.snapshotId());
      }
      details.put("changesApplied", Long.toString(state.changesApplied()));
      gaps = state.gaps().size();
      if (gaps > 0) {
        details.put("gaps", state.gaps().toString());
      }
    }
    long total = byNamespace.values().stream().mapToLong(Long::longValue).sum();
    progress.report(read[0], read[0], "objects");
    details.put("namespaces", join(byNamespace));
    details.put("kinds", join(byKind));
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("objects", total);
    counts.put("read", read[0]);
    String summary = "dry run: " + total + " objects would be restored into " + restore.targetCluster()
        + " from " + restore.source().describe() + "; nothing was written";
    if (gaps > 0) {
      return new Result(AuditOutcome.PARTIALLY_FAILED, summary + "; the change-log archive lacks " + gaps
          + " offset ranges, so some changes may be missing", counts, details);
    }
    return new Result(AuditOutcome.SUCCEEDED, summary, counts, details);
  }

  private static void readStream(Repository repository, Manifest.Stream stream, Consumer<ResourceDocument> each)
      throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    try (DigestInputStream in = new DigestInputStream(new StreamReader(repository.chunks(), stream), sha256);
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (!line.isEmpty()) {
          each.accept(ResourceDocument.parse(line));
        }
      }
    }
    String actual = HexFormat.of().formatHex(sha256.digest());
    if (!actual.equals(stream.sha256())) {
      throw new IllegalStateException("stream " + stream.name() + " hashes to " + actual + ", its manifest says " + stream.sha256());
    }
  }

  private static String join(Map<String, Long> counts) {
    StringJoiner joined = new StringJoiner(",");
    counts.forEach((k, v) -> joined.add(k + ":" + v));
    return joined.toString();
  }
}
