package dev.lifeboat.cli;

import dev.lifeboat.restore.VolumeReceiver;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What runs inside a data-mover pod, which a restore creates to write a volume snapshot into a claim. */
@Command(name = "volume", mixinStandardHelpOptions = true,
    description = "What a restore runs in its data-mover pod, which mounts a restored claim's new volume.",
    subcommands = {VolumeCommand.Receive.class, VolumeCommand.Hold.class})
final class VolumeCommand {

  @Command(name = "receive", mixinStandardHelpOptions = true,
      description = {"Reads a volume stream (a tar of a volume snapshot's files, each with its SHA-256) on stdin up to its",
          "end-of-archive marker and writes it into DIR: every file is checked against its size and SHA-256, and one",
          "that does not match is removed. Prints one line of JSON: files, directories, symlinks, bytes, complete,",
          "mismatches, errors."},
      footer = "Exit codes: 0 every file written and checked, 1 a file did not match, could not be written, or the stream"
          + " ended early.")
  static final class Receive implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Where the volume is mounted.")
    Path directory;

    /** Stdin, unless a test gives another. */
    InputStream in = System.in;

    @Override
    public Integer call() throws Exception {
      VolumeReceiver.Summary summary = VolumeReceiver.receive(new BufferedInputStream(in, 1 << 20), directory);
      PrintWriter out = spec.commandLine().getOut();
      out.println(summary.toJson());
      out.flush();
      if (!summary.ok()) {
        PrintWriter err = spec.commandLine().getErr();
        summary.mismatches().forEach(m -> err.println("lifeboat: " + m.path() + " does not match its SHA-256 (expected "
            + m.expected() + ", got " + m.actual() + "): removed"));
        summary.errors().forEach(e -> err.println("lifeboat: " + e));
        err.flush();
        return 1;
      }
      return 0;
    }
  }

  @Command(name = "hold", mixinStandardHelpOptions = true,
      description = "Keeps the data-mover pod running (its main process) until the restore has exec'd receive and"
          + " deletes it; exits 0 after --timeout in case nobody does.")
  static final class Hold implements Callable<Integer> {
    @Option(names = "--timeout", defaultValue = "PT6H", paramLabel = "DURATION",
        description = "How long to wait at most (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
      Thread.sleep(timeout.toMillis());
      return 0;
    }
  }
}
