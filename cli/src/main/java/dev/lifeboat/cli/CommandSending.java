package dev.lifeboat.cli;

import picocli.CommandLine.Mixin;

/**
 * A client command that sends one command record to lifeboat.commands and, with --wait, follows it: the
 * subclass says only what to send, from its own options.
 */
abstract class CommandSending extends ClientCommand {
  @Mixin
  CommandFollowing following;

  /** The command record to send (Cancel, Restore, SnapshotNow, VerifyNow). */
  abstract Object action();

  @Override
  public Integer call() throws Exception {
    Object action = action(); // usage errors before any connection is made
    return following.send(client.connection(), action, out());
  }
}
