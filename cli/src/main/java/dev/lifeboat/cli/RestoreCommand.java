package dev.lifeboat.cli;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.cli.client.TimeArgument;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.events.v1.ConflictPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Asks Lifeboat to restore: sends a Restore command to lifeboat.commands.",
        "Resources come from a snapshot (--snapshot), the state at an instant (--at), or, with neither, the latest",
        "data there is. They go to the protected cluster (in the demo: the demo's own) unless --target-cluster names",
        "another context of Lifeboat's kubeconfig. With --wait the command is followed until it finishes.",
        "With --direct --store NAME the restore runs in this process instead, reading that store (an off-region copy",
        "when the protected region is gone) with the configuration's master key and keys: no Kafka and no running",
        "Lifeboat are needed. It reports the recovery point reached and how long the restore took."},
    footer = ExitCodes.DESCRIPTION)
final class RestoreCommand extends CommandSending {
  @Option(names = "--snapshot", paramLabel = "ID", description = "The snapshot to restore.")
  String snapshot;

  @Option(names = "--at", paramLabel = "TIME", description = "Restore the state at this instant: ISO-8601 (2026-01-01T12:00:00Z) or a time ago (15m, 2h, 7d).")
  String at;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", split = ",", description = "Namespace to restore (repeatable); none: every namespace.")
  List<String> namespaces = new ArrayList<>();

  @Option(names = "--map", paramLabel = "FROM=TO", description = "Restore namespace FROM into namespace TO (repeatable).")
  Map<String, String> mapping = new LinkedHashMap<>();

  @Option(names = "--storage-class-map", paramLabel = "FROM=TO", description = "Restored claims of storage class FROM get a volume of class TO (repeatable); a restored claim always gets a new volume.")
  Map<String, String> storageClasses = new LinkedHashMap<>();

  @Option(names = "--no-volumes", description = "Resources: leave the claims the restore creates on new, empty volumes instead of"
      + " filling each with the newest volume snapshot of its source claim at or before the restore point.")
  boolean noVolumes;

  @Option(names = "--kind", defaultValue = "resources", paramLabel = "KIND", converter = RestoreKind.Converter.class,
      description = "What to restore: resources, etcd, volume or control-plane (the PKI and static pod manifests taken beside etcd; default: resources).")
  RestoreKind kind;

  @Option(names = "--only-kinds", paramLabel = "KINDS", split = ",", description = "Only these object kinds, kubectl names (Deployment, configmaps, deployments.apps).")
  List<String> kinds = new ArrayList<>();

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "Only objects whose labels match (app=web,tier!=cache).")
  String selector;

  @Option(names = "--target-cluster", paramLabel = "NAME", description = "Restore into this cluster (a context of Lifeboat's kubeconfig); default: the protected cluster.")
  String targetCluster;

  @Option(names = "--target-path", paramLabel = "PATH", description = "For etcd and volumes: where to write, on the machine running Lifeboat's commands worker.")
  Path targetPath;

  @Option(names = "--conflict", defaultValue = "SKIP", paramLabel = "POLICY", description = "An object that exists already: skip (default) or update it.")
  ConflictPolicy conflict;

  @Option(names = "--dry-run", description = "Say what would be restored; change nothing.")
  boolean dryRun;

  @Option(names = "--direct", description = "Run the restore in this process from the store --store names, without Kafka.")
  boolean direct;

  @Option(names = "--store", paramLabel = "NAME", description = "With --direct: the store to read (primary, offsite, ...; default: primary).")
  String store;

  @Option(names = "--source-cluster", paramLabel = "NAME",
      description = "With --direct: the protected cluster whose backups to restore, as the store records it (default: cluster.name).")
  String sourceCluster;

  @Override
  public Integer call() throws Exception {
    if (!direct) {
      if (store != null || sourceCluster != null) {
        throw usage("--store and --source-cluster go with --direct: a restore sent to Lifeboat reads its primary store");
      }
      return super.call();
    }
    if (following.waits()) {
      throw usage("--wait and --timeout follow a command sent to Lifeboat; a --direct restore runs to its end here");
    }
    Restore restore = (Restore) action();
    try {
      var connection = client.connection();
      return DirectRestoring.run(connection, sourceCluster == null ? connection.cluster() : sourceCluster,
          client.kubernetes(), client.keys(), client.dataMover(), store == null ? "primary" : store, restore,
          following.requestedBy(), out(),
          spec.commandLine().getErr());
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  @Override
  Object action() {
    if (snapshot != null && at != null) {
      throw usage("give --snapshot or --at, not both");
    }
    Restore.Builder restore = Restore.newBuilder().setKind(kind.kind).setVolumeTarget(kind.volumeTarget)
        .setNamespaces(namespaces).setNamespaceMapping(mapping).setStorageClassMapping(storageClasses)
        .setVolumeData(!noVolumes)
        .setKinds(kinds).setLabelSelector(selector).setTargetCluster(targetCluster).setConflictPolicy(conflict)
        .setDryRun(dryRun).setSnapshotId(snapshot);
    if (at != null) {
      try {
        restore.setAtTime(TimeArgument.parse(at, Clock.systemUTC()));
      } catch (IllegalArgumentException e) {
        throw usage("--at: " + e.getMessage());
      }
    }
    if (targetPath != null) {
      restore.setTargetPath(targetPath.toAbsolutePath().normalize().toString());
    }
    return restore.build();
  }
}
