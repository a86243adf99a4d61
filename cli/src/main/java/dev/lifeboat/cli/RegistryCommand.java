package dev.lifeboat.cli;

import dev.lifeboat.schemas.registry.SchemaRegistryServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "registry", mixinStandardHelpOptions = true,
    description = {"Runs Lifeboat's Confluent-compatible schema registry alone.",
        "It speaks the Confluent REST API and keeps schemas in a compacted Kafka topic;",
        "several instances on one topic agree on ids."})
final class RegistryCommand implements Callable<Integer> {

  @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8081", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    SchemaRegistryServer server = SchemaRegistryServer.start(SchemaRegistryServer.Config.of(bootstrapServers).withHost(host).withPort(port));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "lifeboat-shutdown"));
    System.out.println("Schema registry on " + server.url());
    stopped.await();
    return 0;
  }
}
