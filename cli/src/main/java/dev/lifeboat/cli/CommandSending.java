package dev.lifeboat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A client command that sends one command record to lifeboat.commands and, with --wait, follows it: the
 * subclass says only what to send, from its own options.
 */
abstract class CommandSending implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientOptions client;

  @Mixin
  CommandFollowing following;

  /** The command record to send (Cancel, Restore, SnapshotNow, VerifyNow). */
  abstract Object action();

  @Override
  public final Integer call() throws Exception {
    Object action = action(); // usage errors before any connection is made
    return following.send(client.connection(), action, spec.commandLine().getOut());
  }

  /** A usage error naming what is wrong with the options given. */
  final CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
