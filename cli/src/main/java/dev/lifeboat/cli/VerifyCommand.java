package dev.lifeboat.cli;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.commands.v1.VerifyNow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true, description = "Proves that snapshots restore.",
    subcommands = VerifyCommand.Now.class)
final class VerifyCommand {

  @Command(name = "now", mixinStandardHelpOptions = true,
      description = {"Asks for a verification now: sends a VerifyNow command to lifeboat.commands.",
          "The verifier restores the snapshot (or the latest of the target) into a scratch target and checks it."},
      footer = ExitCodes.DESCRIPTION)
  static final class Now extends CommandSending {
    @Option(names = "--snapshot", paramLabel = "ID", description = "The snapshot to verify.")
    String snapshot;

    @Option(names = "--target", paramLabel = "TARGET", description = "Verify the latest snapshot of this target (a namespace, 'cluster', 'etcd', a PVC uid).")
    String target;

    @Override
    Object action() {
      if (snapshot == null && target == null) {
        throw usage("name the snapshot (--snapshot) or the target (--target)");
      }
      return VerifyNow.newBuilder().setSnapshotId(snapshot).setTarget(target).build();
    }
  }
}
