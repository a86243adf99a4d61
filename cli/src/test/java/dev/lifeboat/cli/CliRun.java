package dev.lifeboat.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The {@code lifeboat} command run in this JVM, as a user would type it: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {

  static CliRun lifeboat(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = LifeboatCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }
}
