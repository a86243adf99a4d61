package dev.lifeboat.cli;

import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.embedded.apiserver.ExecHandler;
import dev.lifeboat.restore.VolumeMover;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The local API's answer to an exec in a data-mover pod: what the pod's container would run, the
 * {@code lifeboat} executable itself, run in this process with the pod's {@value VolumeMover#MOUNT_PATH}
 * mount resolved to the host directory of the volume bound to its claim. The demo and the tests
 * restore claims with their data through it, over the same exec stream a cluster's kubelet serves.
 */
public final class LocalMoverPods {
  private LocalMoverPods() {}

  /** Serves mover pods' execs in {@code kubernetes}, whose claims {@code provisionVolumes} binds. */
  public static LocalKubernetes serve(LocalKubernetes kubernetes) {
    return serve(kubernetes, LocalMoverPods::notFound);
  }

  /**
   * Serves mover pods' execs (commands starting with {@code lifeboat}) and hands every other exec (an
   * application's hooks, say) to {@code others}: the local API has one exec handler.
   */
  public static LocalKubernetes serve(LocalKubernetes kubernetes, ExecHandler others) {
    return kubernetes.onExec(exec -> !exec.command().isEmpty() && exec.command().get(0).equals("lifeboat")
        ? run(kubernetes, exec) : others.exec(exec));
  }

  /** What a container without the executable answers. */
  private static int notFound(ExecHandler.Exec exec) {
    List<String> command = exec.command();
    PrintWriter err = writer(exec.stderr());
    err.println("exec: \"" + (command.isEmpty() ? "" : command.get(0)) + "\": executable file not found in $PATH");
    err.flush();
    return 127;
  }

  private static int run(LocalKubernetes kubernetes, ExecHandler.Exec exec) {
    List<String> command = exec.command();
    Path mounted = kubernetes.mountedDirectory(exec.pod(), exec.container(), VolumeMover.MOUNT_PATH);
    List<String> args = new ArrayList<>();
    for (String arg : command.subList(1, command.size())) {
      args.add(arg.equals(VolumeMover.MOUNT_PATH) ? mounted.toString() : arg);
    }
    CommandLine cli = LifeboatCli.commandLine();
    ((VolumeCommand.Receive) cli.getSubcommands().get("volume").getSubcommands().get("receive").getCommand()).in =
        exec.stdin();
    cli.setOut(writer(exec.stdout()));
    cli.setErr(writer(exec.stderr()));
    int code = cli.execute(args.toArray(String[]::new));
    cli.getOut().flush();
    cli.getErr().flush();
    return code;
  }

  private static PrintWriter writer(java.io.OutputStream out) {
    return new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
  }
}
