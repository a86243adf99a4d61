package dev.lifeboat.cli;

import dev.lifeboat.embedded.Endpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
        "Runs Lifeboat on its embedded default, on this machine alone.",
        "Starts a real Kafka broker, the schema registry, two S3 servers (primary and offsite), etcd when",
        "installed, and a local Kubernetes API seeded with applications that change now and then; every",
        "installed worker protects it. Ctrl-C stops everything. Data stays in the data directory: a second",
        "run keeps what the first stored."})
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--data-dir", defaultValue = "lifeboat-data", description = "Where the stack keeps its data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--any-ports", description = "Use free ports instead of 9092, 8081, 9000, 9001, 6443, 2379 and 8080.")
  boolean anyPorts;

  @Option(names = "--churn-every", defaultValue = "PT5S", description = "Time between two changes in the local cluster, ISO-8601 (default: ${DEFAULT-VALUE}); PT0S for none.")
  Duration churnEvery;

  @Override
  public Integer call() throws Exception {
    System.out.println("Starting the Lifeboat demo in " + dataDir.toAbsolutePath() + " ...");
    Demo demo = Demo.start(dataDir, anyPorts, churnEvery);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("\nStopping Lifeboat...");
      demo.close();
      stopped.countDown();
    }, "lifeboat-shutdown"));
    print(demo);
    stopped.await();
    return 0;
  }

  private void print(Demo demo) {
    Endpoints e = demo.endpoints();
    StringBuilder out = new StringBuilder();
    out.append("\nLifeboat demo is running (cluster \"").append(Demo.CLUSTER).append("\", started in ")
        .append(demo.stack().startupTime().toMillis()).append(" ms)\n\n");
    line(out, "Kafka", e.kafkaBootstrapServers());
    line(out, "Schema registry", e.schemaRegistryUrl());
    for (Endpoints.Store s : e.stores()) {
      line(out, "S3 " + s.name(), s.endpoint() + "  bucket " + s.bucket() + "  key " + s.accessKey() + " / " + s.secretKey());
    }
    line(out, "Kubernetes API", e.kubernetesApiUrl() + "  (kubectl --kubeconfig " + e.kubeconfig() + " get all -A)");
    line(out, "etcd", e.etcdEndpoints().isEmpty() ? "not installed (apt-get install etcd-server)" : String.join(",", e.etcdEndpoints()));
    line(out, "Status", e.statusUrl());
    line(out, "Workers", demo.process().workers().isEmpty() ? "none installed in this build" : String.join(", ", demo.process().workers()));
    line(out, "endpoints.json", demo.endpointsFile().toAbsolutePath().toString());
    out.append("\nAudit events: lifeboat.audit (Avro, Confluent wire format). Press Ctrl-C to stop.\n");
    System.out.println(out);
  }

  private static void line(StringBuilder out, String name, String value) {
    out.append(String.format("  %-16s %s%n", name, value));
  }
}
