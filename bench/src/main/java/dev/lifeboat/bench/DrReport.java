package dev.lifeboat.bench;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** The region-loss drill's section of docs/BENCHMARKS.md: only what the run measured, and only for a complete run. */
final class DrReport {
  private DrReport() {}

  static String markdown(int namespaces, int perNamespace, int volumes, int volumeMiB, DrBenchmark.Protected source,
      DrRecovery.Outcome outcome, String loadBefore, String loadAfter) {
    DrRestoreRun.Result run = outcome.run();
    double took = outcome.took().toNanos() / 1e9;
    double fill = run.fillSeconds();
    double objectsPart = took - fill;
    long files = source.claims().stream().mapToLong(c -> c.files().size()).sum();
    Duration rpo = Duration.between(outcome.recoveryPoint(), source.lastChange());
    StringBuilder md = new StringBuilder("## dr: the region-loss drill, measured\n\n");
    md.append(String.format("`bench/run dr %d %d %d %d`, %s (%s; load average before %s, after %s). ", namespaces,
        perNamespace, volumes, volumeMiB, LocalDate.now(ZoneOffset.UTC), BenchmarkReport.machine(), loadBefore, loadAfter));
    md.append(String.format("The protected cluster (the local Kubernetes API, objects in memory): %d namespaces of %d objects"
            + " each (40%% ConfigMaps, 30%% Secrets, 15%% Deployments, 15%% Services, about 1 KiB each) and %d claims"
            + " bound to hostPath volumes of %d MiB each (%,d files from 4 KiB to 24 MiB, random bytes: nothing"
            + " compresses or deduplicates). Lifeboat's own workers protect it in one process as `lifeboat run` runs"
            + " them (watcher, snapshotter reading the volumes' files on an on-change policy, replicator), against the"
            + " embedded Kafka and two S3Proxy servers in the same JVM. Writing the cluster took %.1f s; %.1f s after the"
            + " last write, the off-region store held every change (every partition's end offset, by the replicator's"
            + " records) and a snapshot of every claim.%n%n", namespaces, perNamespace, volumes, volumeMiB, files,
        source.populateSeconds(), source.offRegionSeconds()));
    md.append("Then the region is lost: the workers, Kafka, the primary store and the cluster are stopped and their data"
        + " deleted. In the recovery region, a new local API (provisioning volumes, running data-mover pods) and a"
        + " configuration holding only the off-region store and the keys; `lifeboat restore --direct --store offsite"
        + " --source-cluster bench -n <every namespace> --target-cluster ... --storage-class-map standard=lifeboat-local`"
        + " runs in a JVM of its own, as an operator runs it.\n\n");
    md.append("| recovery | time | rate |\n|---|---|---|\n");
    md.append(String.format("| **RTO**: the command, start to exit (JVM start included) | **%.1f s** | |%n", run.wallSeconds()));
    md.append(String.format("| the restore's own `took` | %.1f s | |%n", took));
    md.append(String.format("| of which objects: validation, reading the change log, creating %,d objects | %.1f s | %,.0f"
        + " objects/s |%n", outcome.created(), objectsPart, outcome.created() / objectsPart));
    md.append(String.format("| of which volumes: %d claims filled through mover pods (first created to last deleted) | %.1f s"
        + " | %,.0f MB/s |%n", run.moverPods(), fill, outcome.claimBytes() / 1e6 / fill));
    md.append(String.format("%nRPO achieved: the recovery point reached (`recoveryPoint` %s) is %s the last change made"
            + " before the region was lost (%s).%n%n", outcome.recoveryPoint(),
        rpo.isZero() ? "exactly" : rpo.toMillis() + " ms before", source.lastChange()));
    md.append(String.format("Completeness, checked after the restore: all %,d objects of the protected namespaces equal to"
            + " the source (content and labels; what an API server assigns left out), every claim on the recovery"
            + " cluster's storage class, and all %,d files (%,d bytes) of the %d volumes with the source's SHA-256; no"
            + " mover pod left. The filling time is taken by watching the mover pods on the recovery API; the objects'"
            + " part is the rest of `took`.%n", source.objects().size(), files, outcome.claimBytes(), volumes));
    return md.toString();
  }
}
