package dev.lifeboat.cli;

import dev.lifeboat.cli.client.Connection;
import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.cli.client.PipelineCheck;
import dev.lifeboat.cli.client.PipelineReport;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.check.CheckReport;
import dev.lifeboat.repository.check.RepositoryCheck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Checks a repository as restic check does, and never changes it: the config opens with the master key,",
        "every index file and manifest opens, every pack the index names exists and its header agrees with the index,",
        "every chunk a manifest names is in a pack, and the change log has no gaps. With --read-data, the data itself",
        "is downloaded: every pack must hash to its name, every chunk must authenticate, and every file and stream",
        "(an etcd snapshot included) must have the size and SHA-256 its manifest records. With --pipeline, the promises",
        "between components are checked against the topics instead."},
    footer = "Exit codes: 0 no problems found, 1 the check could not run (store unreachable, no repository, wrong master"
        + " key), 2 usage or configuration error, 4 problems found (each printed with the object it concerns).")
final class CheckCommand extends ClientCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  What what;

  static final class What {
    @Option(names = "--store", required = true, paramLabel = "NAME", description = "The store to check (primary, offsite, ...).")
    String store;

    @Option(names = "--pipeline", required = true,
        description = "Check the promises between components instead: every completed snapshot's manifest in the primary, every"
            + " reported copy in its store, every archived change in the change log of every store, the dead letters counted.")
    boolean pipeline;
  }

  @Option(names = "--read-data", arity = "0..1", fallbackValue = "100%", paramLabel = "SHARE",
      description = "Also download and authenticate the data: all of it, or a share (10%%); the same share reads the same objects each time.")
  String readData;

  @Override
  public Integer call() {
    double share = share(readData);
    Connection connection = client.connection();
    if (what.pipeline) {
      if (readData != null) {
        throw usage("--read-data goes with --store, not --pipeline");
      }
      return pipeline(connection);
    }
    if (connection.masterKey() == null) {
      throw usage(
          "checking needs the repository's master key: run it against the demo's data directory, or give a config with repository.masterKey");
    }
    BlobStore blobs = BlobStores.open(connection.store(what.store), new SimpleMeterRegistry());
    PrintWriter out = out();
    try (TerminalProgress progress = new TerminalProgress(spec.commandLine().getErr(), System.console() != null)) {
      CheckReport report = new RepositoryCheck(blobs, connection.masterKey(), share, progress).run();
      progress.close();
      out.print(report.summary());
      out.flush();
      return report.clean() ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }

  private int pipeline(Connection connection) {
    PrintWriter out = out();
    try (TerminalProgress progress = new TerminalProgress(spec.commandLine().getErr(), System.console() != null)) {
      PipelineReport report = new PipelineCheck(connection, client.scratch(), progress).run();
      progress.close();
      out.print(report.summary());
      out.flush();
      return report.clean() ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }

  private double share(String value) {
    if (value == null) {
      return 0;
    }
    String v = value.trim();
    try {
      double share = v.endsWith("%") ? Double.parseDouble(v.substring(0, v.length() - 1)) / 100 : Double.parseDouble(v);
      if (share > 0 && share <= 1) {
        return share;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage(
        "--read-data takes a share above 0 and at most 100%, as 10% or 0.1; was '" + value + "'");
  }
}
