package dev.lifeboat.cli;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Runs Lifeboat against your own Kafka, registry, S3 stores and cluster.",
        "The configuration is validated completely before anything starts; `lifeboat config docs` lists every key."})
final class RunCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, required = true, description = "The configuration file, e.g. lifeboat.yaml.")
  Path config;

  @Option(names = "--workers", split = ",", paramLabel = "NAME",
      description = "Run only these workers (watcher, snapshotter, replicator, verifier, commands); default: all of them.")
  java.util.Set<String> workers = java.util.Set.of();

  @Override
  public Integer call() throws Exception {
    LifeboatConfig loaded = new ConfigLoader().load(config);
    LifeboatProcess process = new LifeboatProcess(loaded, "lifeboat").only(workers).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      process.close();
      stopped.countDown();
    }, "lifeboat-shutdown"));
    System.out.println("Lifeboat is protecting cluster \"" + loaded.cluster().name() + "\"; status on "
        + process.status().url() + "; workers: " + (process.workers().isEmpty() ? "none installed in this build" : process.workers()));
    stopped.await();
    return 0;
  }
}
