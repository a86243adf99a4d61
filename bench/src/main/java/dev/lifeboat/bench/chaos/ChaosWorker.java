package dev.lifeboat.bench.chaos;

import dev.lifeboat.cli.DemoConfig;
import dev.lifeboat.cli.LifeboatProcess;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * One worker of the chaos run as a process of its own: the demo's configuration for the stack in
 * {@code DATA_DIR/endpoints.json}, with etcd and resource snapshots taken often, running only the
 * named worker. Stops when its parent does (its standard input closes); a kill -9 stops it anywhere.
 */
public final class ChaosWorker {
  private ChaosWorker() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    String worker = args[1];
    LifeboatConfig demo = DemoConfig.of(Endpoints.read(dataDir.resolve("endpoints.json")), dataDir, 0);
    SnapshotterConfig snapshotter = demo.section(SnapshotterConfig.SECTION);
    LifeboatConfig config = demo.with(SnapshotterConfig.SECTION, new SnapshotterConfig(true, snapshotter.masterKey(),
        Duration.ofSeconds(30), "", 2, snapshotter.csiTimeout(), snapshotter.csiSnapshotClass(), Duration.ofSeconds(45),
        Duration.ofSeconds(2)));
    LifeboatProcess process = new LifeboatProcess(config, "chaos-" + worker).only(Set.of(worker)).start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::close, "chaos-worker-stop"));
    System.out.println("Chaos worker " + worker + " up; status on " + process.status().url() + "; pid "
        + ProcessHandle.current().pid());
    System.out.flush();
    while (System.in.read() >= 0) {
      // the parent never writes; end of input means it is gone
    }
    System.exit(0);
  }
}
