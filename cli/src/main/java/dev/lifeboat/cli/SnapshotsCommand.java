package dev.lifeboat.cli;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.cli.client.SnapshotCatalog;
import dev.lifeboat.cli.client.Table;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.events.v1.SnapshotKind;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "snapshots", mixinStandardHelpOptions = true, description = "Lists and takes snapshots.",
    subcommands = {SnapshotsCommand.ListSnapshots.class, SnapshotsCommand.Now.class})
final class SnapshotsCommand {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"Lists snapshots: as lifeboat.snapshots reports them (from its beginning), or, with --store, the",
          "manifests in that store's repository (phase and size need the master key: the demo's, or repository.masterKey)."})
  static final class ListSnapshots extends ClientCommand {
    @Option(names = "--store", paramLabel = "NAME", description = "List the manifests in this store (primary, offsite, ...) instead.")
    String store;

    @Option(names = "--kind", paramLabel = "KIND", description = "Only snapshots of this kind: resources, etcd or volume.")
    SnapshotKind kind;

    @Option(names = "--target", paramLabel = "TARGET", description = "Only snapshots of this target.")
    String target;

    @Override
    public Integer call() {
      var connection = client.connection();
      List<SnapshotCatalog.Row> rows = store == null ? SnapshotCatalog.fromTopic(connection)
          : SnapshotCatalog.fromStore(connection, store);
      Table table = new Table("ID", "KIND", "TARGET", "PHASE", "TIME (UTC)", "SIZE", "NOTE");
      int shown = 0;
      for (SnapshotCatalog.Row r : rows) {
        if ((kind == null || kind.name().equals(r.kind())) && (target == null || target.equals(r.target()))) {
          table.row(r.id(), r.kind().toLowerCase(Locale.ROOT), r.target(), r.phase() == null ? "?" : r.phase(),
              r.time() == null ? "-" : TIME.format(r.time()), SnapshotCatalog.humanSize(r.size()), r.note());
          shown++;
        }
      }
      PrintWriter out = out();
      table.print(out);
      out.println(shown + " snapshots" + (store == null ? " reported on lifeboat.snapshots" : " in store " + store));
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "now", mixinStandardHelpOptions = true,
      description = {"Asks for a snapshot now: sends a SnapshotNow command to lifeboat.commands.",
          "Takes resources (target: cluster, or a namespace) and etcd (target: etcd) snapshots; with -n, one recovery",
          "point of the application in a namespace: its resources and every claim's volume, between the pre and post",
          "hooks its pods declare (annotations hooks.lifeboat.dev/pre.command, .container, .timeout, .on-error, post.*)."},
      footer = ExitCodes.DESCRIPTION)
  static final class Now extends CommandSending {
    @Option(names = "--kind", paramLabel = "KIND", description = "resources or etcd (not with -n).")
    SnapshotKind kind;

    @Option(names = "--target", paramLabel = "TARGET", description = "What to snapshot (default: cluster for resources, etcd for etcd).")
    String target;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
        description = "One recovery point of the application in this namespace: its resource snapshot and a volume"
            + " snapshot of every claim, as one command whose outcome lists each snapshot id.")
    String namespace;

    @Option(names = "--no-hooks", description = "With -n: do not run the pods' hooks.")
    boolean noHooks;

    @Override
    Object action() {
      if (namespace != null) {
        if (kind != null || target != null) {
          throw usage(
              "-n takes the namespace's resources and volumes: leave out --kind and --target");
        }
        return SnapshotNow.newBuilder().setKind(SnapshotKind.RESOURCES).setTarget(namespace).setApplication(true)
            .setHooks(!noHooks).build();
      }
      if (kind == null) {
        throw usage(
            "name what to snapshot: --kind resources|etcd, or -n NAMESPACE for an application");
      }
      if (noHooks) {
        throw usage("--no-hooks goes with -n");
      }
      String t = target != null ? target : kind == SnapshotKind.ETCD ? "etcd" : "cluster";
      return SnapshotNow.newBuilder().setKind(kind).setTarget(t).build();
    }
  }
}
