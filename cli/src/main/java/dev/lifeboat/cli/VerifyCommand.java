package dev.lifeboat.cli;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.commands.v1.VerifyNow;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, description = "Proves that snapshots restore.",
    subcommands = VerifyCommand.Now.class)
final class VerifyCommand {

  @Command(name = "now", mixinStandardHelpOptions = true,
      description = {"Asks for a verification now: sends a VerifyNow command to lifeboat.commands.",
          "The verifier restores the snapshot (or the latest of the target) into a scratch target and checks it."},
      footer = ExitCodes.DESCRIPTION)
  static final class Now implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Mixin
    CommandFollowing following;

    @Option(names = "--snapshot", paramLabel = "ID", description = "The snapshot to verify.")
    String snapshot;

    @Option(names = "--target", paramLabel = "TARGET", description = "Verify the latest snapshot of this target (a namespace, 'cluster', 'etcd', a PVC uid).")
    String target;

    @Override
    public Integer call() throws Exception {
      if (snapshot == null && target == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "name the snapshot (--snapshot) or the target (--target)");
      }
      return following.send(client.connection(), VerifyNow.newBuilder().setSnapshotId(snapshot).setTarget(target).build(),
          spec.commandLine().getOut());
    }
  }
}
