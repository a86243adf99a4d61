package dev.lifeboat.bench.scale;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The {@code scale-repository} section of docs/BENCHMARKS.md: only figures the run measured. */
final class RepositoryScaleReport {
  private RepositoryScaleReport() {}

  static String markdown(List<Long> sizes, Map<Long, Map<String, String>> bySize, int indexFiles, Map<String, String> files,
      String heap, String loadBefore, String loadAfter) {
    StringBuilder md = new StringBuilder();
    md.append("## Repository at scale (`bench/run scale repository`)\n\n");
    md.append("Repositories built with the real repository code (`ChunkStore.put`, `ManifestStore.write`) in the embedded"
        + " S3 server (S3Proxy, filesystem backend, a process of its own, one bucket a repository): distinct ").append(RepositoryScaleChild.CHUNK_BYTES)
        .append("-byte chunks (sealed: 61 bytes) in packs of ").append(RepositoryScaleChild.PACK_SIZE >> 10)
        .append(" KiB (about a thousand chunks each), over ").append(RepositoryScaleChild.SNAPSHOTS)
        .append(" snapshots of one target written in order, each naming again the first ")
        .append(Math.round(RepositoryScaleChild.SHARED * 100)).append(" % of the previous one's chunks. Every fifth"
            + " snapshot's manifest is then deleted, so a fifth of the chunks is unreferenced (less those the next snapshot"
            + " names): packs written with a deleted snapshot are deleted whole, those shared with a kept one are rewritten."
            + " Garbage collection runs twice, as hours apart (clocks set ahead, safety delay 1 h): the first plans, the"
            + " second deletes. Each measured step (collection, opening) is a JVM of its own with `-Xmx").append(heap)
        .append("`; the builders have 4 GiB and are not measured.\n\n");
    md.append("Heap: *peak* is the sum of the heap pools' peaks (garbage included: an upper bound); *after GC* the most"
        + " heap in use just after any collection during the step; *live* the heap in use after a full collection at the"
        + " end of the step (the repository open, its index loaded). Per chunk: *after GC* or *live* divided by the chunks"
        + " indexed.\n\n");
    md.append("| chunks | build | collection: plan | collection: sweep | planned / deleted | packs deleted / rewritten"
        + " | heap peak | heap after GC | live after | per chunk (after GC) | open | open: live heap | per chunk (live) |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (long size : sizes) {
      Map<String, String> r = bySize.getOrDefault(size, Map.of());
      md.append("| ").append(String.format(Locale.ROOT, "%,d", size)).append(" | ");
      if (r.containsKey("build.failed")) {
        md.append("did not complete: ").append(r.get("build.failed")).append(" |  |  |  |  |  |  |  |  |  |  |  |\n");
        continue;
      }
      md.append(seconds(r.get("build.seconds"))).append(" | ");
      if (r.containsKey("gc.failed") && !r.containsKey("gc.plan.millis")) {
        md.append("did not complete: ").append(r.get("gc.failed")).append(" |  |  |  |  |  |  |  | ");
      } else {
        md.append(seconds(millis(r.get("gc.plan.millis")))).append(" | ")
            .append(r.containsKey("gc.sweep.millis") ? seconds(millis(r.get("gc.sweep.millis")))
                : "did not complete: " + r.get("gc.failed")).append(" | ")
            .append(count(r.get("gc.plan.chunksPlanned"))).append(" / ").append(count(r.get("gc.sweep.chunksDeleted")))
            .append(" | ").append(count(r.get("gc.sweep.packsDeleted"))).append(" / ")
            .append(count(r.get("gc.sweep.packsRewritten"))).append(" | ")
            .append(mib(r.get("gc.peakMiB"))).append(" | ").append(mib(r.get("gc.retainedMiB"))).append(" | ")
            .append(mib(r.get("gc.liveAfterMiB"))).append(" | ").append(perChunk(r.get("gc.retainedMiB"), r.get("gc.baselineMiB"), size))
            .append(" | ");
      }
      if (r.containsKey("open.failed")) {
        md.append("did not complete: ").append(r.get("open.failed")).append(" |  |  |\n");
      } else {
        md.append(millisText(r.get("open.millis"))).append(" (").append(count(r.get("open.chunks"))).append(" chunks, ")
            .append(count(r.get("open.indexFiles"))).append(" index files) | ").append(mib(r.get("open.liveMiB")))
            .append(" | ").append(perChunk(r.get("open.liveMiB"), r.get("open.baselineMiB"), parse(r.get("open.chunks")))).append(" |\n");
      }
    }
    md.append("\nOpening a repository of ").append(String.format(Locale.ROOT, "%,d", indexFiles))
        .append(" index files (each listing one pack of ten chunks, as many small snapshots leave it): ");
    if (files.containsKey("open.millis")) {
      md.append(millisText(files.get("open.millis"))).append(" for ").append(count(files.get("open.indexFiles")))
          .append(" index files and ").append(count(files.get("open.chunks"))).append(" chunks (live heap ")
          .append(mib(files.get("open.liveMiB"))).append(").\n\n");
    } else {
      md.append("did not complete: ").append(files.getOrDefault("open.failed", files.get("failed"))).append(".\n\n");
    }
    md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
        .append(" (collector: ").append(ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", ")))
        .append("), heap limit of the measured steps ").append(heap).append("; load average before ").append(loadBefore)
        .append(", after ").append(loadAfter).append(" (other builds share the machine).\n");
    return md.toString();
  }

  private static double parse(String value) {
    return value == null ? Double.NaN : Double.parseDouble(value);
  }

  private static String millis(String value) {
    return value == null ? null : Double.toString(parse(value) / 1000);
  }

  private static String seconds(String value) {
    return value == null ? "not measured" : String.format(Locale.ROOT, "%.1f s", parse(value));
  }

  private static String millisText(String value) {
    return value == null ? "not measured" : String.format(Locale.ROOT, "%,.0f ms", parse(value));
  }

  private static String count(String value) {
    return value == null ? "?" : String.format(Locale.ROOT, "%,d", (long) parse(value));
  }

  private static String mib(String value) {
    return value == null ? "not measured" : String.format(Locale.ROOT, "%,d MiB", (long) parse(value));
  }

  private static String perChunk(String mib, String baselineMiB, double chunks) {
    return mib == null || baselineMiB == null || !(chunks > 0) ? "not measured"
        : String.format(Locale.ROOT, "%.0f bytes", (parse(mib) - parse(baselineMiB)) * 1024 * 1024 / chunks);
  }
}
