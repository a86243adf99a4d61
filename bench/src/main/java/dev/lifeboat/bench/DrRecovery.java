package dev.lifeboat.bench;

import dev.lifeboat.cli.LocalMoverPods;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.restore.VolumeMover;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The recovery region: the surviving off-region bucket served again, a new cluster (a local API that
 * provisions volumes and runs data-mover pods), a configuration holding only the store and the keys,
 * and {@code lifeboat restore --direct} of every namespace. Then the new cluster is compared with what
 * was protected, object by object and file by file.
 */
final class DrRecovery {
  static final String KEY_ID = "bench-1";
  private static final String DR_BUCKET = "lifeboat-dr";

  /** The restore as it ran, and everything found wrong with its result (empty: complete). */
  record Outcome(DrRestoreRun.Result run, List<String> problems, Instant recoveryPoint, long created, long claimFiles,
      long claimBytes, Duration took) {}

  private final Path dir;
  private final byte[] masterKey;
  private final byte[] dataKey;

  DrRecovery(Path dir, byte[] masterKey, byte[] dataKey) {
    this.dir = dir;
    this.masterKey = masterKey;
    this.dataKey = dataKey;
  }

  Outcome recover(DrBenchmark.Protected source) throws Exception {
    try (EmbeddedS3 offsite = EmbeddedS3.start("offsite", dir.resolve("surviving").resolve("s3-offsite"), 0,
        EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY, List.of(EmbeddedStack.OFFSITE_BUCKET, DR_BUCKET));
        LocalKubernetes dr = LocalMoverPods.serve(LocalKubernetes.start(0).provisionVolumes(dir.resolve("dr-volumes")))) {
      Path work = Files.createDirectories(dir.resolve("recovery"));
      Path config = config(offsite, dr.writeKubeconfig(work.resolve("kubeconfig")), work);
      List<String> args = List.of("restore", "--direct", "--store", "offsite", "--source-cluster", DrBenchmark.CLUSTER,
          "-c", config.toString(), "-n", String.join(",", source.namespaces()), "--target-cluster", LocalKubernetes.CONTEXT,
          "--storage-class-map", DrWorkload.STORAGE_CLASS + "=" + LocalKubernetes.STORAGE_CLASS);
      DrBenchmark.progress("lifeboat " + String.join(" ", args).replace(String.join(",", source.namespaces()),
          "<" + source.namespaces().size() + " namespaces>"));
      DrRestoreRun.Result run = DrRestoreRun.run(args, dr.client(), work);
      DrBenchmark.progress(String.format("the restore exited with %d after %.1f s", run.exit(), run.wallSeconds()));
      int from = run.out().indexOf("Restoring directly");
      System.out.print(from < 0 ? run.out() : run.out().substring(from)); // after the logging set-up's own lines
      return check(source, dr, run);
    }
  }

  private Outcome check(DrBenchmark.Protected source, LocalKubernetes dr, DrRestoreRun.Result run) throws Exception {
    List<String> problems = new ArrayList<>();
    if (run.exit() != 0 || !run.out().contains("SUCCEEDED restore")) {
      problems.add("the restore did not succeed (exit " + run.exit() + "): " + run.out().lines().filter(l -> l.contains(
          " restore: ")).findFirst().orElse(tail(run.err())));
    }
    Instant recoveryPoint = run.detail("recoveryPoint").map(Instant::parse).orElse(null);
    if (recoveryPoint == null) {
      problems.add("the restore reported no recoveryPoint");
    }
    Duration took = run.detail("took").map(Duration::parse).orElse(null);
    if (took == null) {
      problems.add("the restore reported no took");
    }
    long created = run.detail("create").map(Long::parseLong).orElse(0L);
    long claimFiles = run.detail("claimFiles").map(Long::parseLong).orElse(0L);
    long claimBytes = run.detail("claimBytes").map(Long::parseLong).orElse(0L);

    List<String> objects = DrObjects.differences(source.objects(), DrObjects.capture(dr.client(), source.namespaces()));
    problems.addAll(objects);
    long files = 0;
    long bytes = 0;
    for (DrWorkload.Claim claim : source.claims()) {
      String where = claim.namespace() + "/" + claim.name();
      var restored = dr.client().persistentVolumeClaims().inNamespace(claim.namespace()).withName(claim.name()).get();
      if (restored == null) {
        continue; // named among the objects' differences
      }
      if (!LocalKubernetes.STORAGE_CLASS.equals(restored.getSpec().getStorageClassName())) {
        problems.add("claim " + where + " has storage class " + restored.getSpec().getStorageClassName());
      }
      Map<String, String> got = DrWorkload.hashTree(dr.volumeDirectory(claim.namespace(), claim.name()));
      for (Map.Entry<String, String> f : claim.files().entrySet()) {
        String sha = got.get(f.getKey());
        if (sha == null) {
          problems.add("claim " + where + ": file " + f.getKey() + " missing");
        } else if (!sha.equals(f.getValue())) {
          problems.add("claim " + where + ": file " + f.getKey() + " differs (SHA-256)");
        }
      }
      got.keySet().stream().filter(k -> !claim.files().containsKey(k))
          .forEach(k -> problems.add("claim " + where + ": unexpected file " + k));
      files += claim.files().size();
      bytes += claim.bytes();
    }
    if (claimFiles != files || claimBytes != bytes) {
      problems.add("the restore reports " + claimFiles + " files, " + claimBytes + " bytes written into claims; the source"
          + " volumes hold " + files + " files, " + bytes + " bytes");
    }
    if (run.moverPods() != source.claims().size()) {
      problems.add(run.moverPods() + " mover pods were seen for " + source.claims().size() + " claims");
    }
    if (!dr.client().pods().inAnyNamespace().withLabels(VolumeMover.LABELS).list().getItems().isEmpty()) {
      problems.add("mover pods are left in the recovery cluster");
    }
    return new Outcome(run, problems, recoveryPoint, created, claimFiles, claimBytes, took);
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  /** The recovery region's configuration: a new bucket as its primary, the surviving copy as a store, the keys. */
  private Path config(EmbeddedS3 s3, Path kubeconfig, Path work) throws Exception {
    String yaml = "cluster:\n  name: recovery\n"
        + "kafka:\n  bootstrapServers: 127.0.0.1:9\n  replicationFactor: 1\n"
        + "registry:\n  url: http://127.0.0.1:9\n"
        + "stores:\n"
        + "  primary:\n" + store("    ", s3, DR_BUCKET)
        + "  offsite:\n    - name: offsite\n" + store("      ", s3, EmbeddedStack.OFFSITE_BUCKET)
        + "kubernetes:\n  kubeconfig: " + kubeconfig + "\n"
        + "repository:\n  masterKey: " + Base64.getEncoder().encodeToString(masterKey) + "\n"
        + "encryption:\n  activeKey: " + KEY_ID + "\n  keys:\n    - id: " + KEY_ID + "\n      key: "
        + Base64.getEncoder().encodeToString(dataKey) + "\n";
    Path file = work.resolve("recovery.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static String store(String indent, EmbeddedS3 s3, String bucket) {
    return indent + "endpoint: " + s3.endpoint() + "\n" + indent + "bucket: " + bucket + "\n" + indent + "accessKey: "
        + s3.accessKey() + "\n" + indent + "secretKey: " + s3.secretKey() + "\n";
  }
}
