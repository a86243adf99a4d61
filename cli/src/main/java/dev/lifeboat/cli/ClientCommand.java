package dev.lifeboat.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to a running Lifeboat: it finds it through the client options, and writes to the command line's output. */
abstract class ClientCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientOptions client;

  /** Where the command writes what it has to say. */
  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** A usage error naming what is wrong with the options given. */
  final CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
