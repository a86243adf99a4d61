package dev.lifeboat.cli;

import dev.lifeboat.schemas.registry.SchemaRegistryServer;
import dev.lifeboat.tls.PemFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "registry", mixinStandardHelpOptions = true,
    description = {"Runs Lifeboat's Confluent-compatible schema registry alone.",
        "It speaks the Confluent REST API and keeps schemas in a compacted Kafka topic;",
        "several instances on one topic agree on ids. With --tls-cert/--tls-key it serves HTTPS;",
        "with --users-file every request needs HTTP basic auth."})
final class RegistryCommand implements Callable<Integer> {

  @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8081", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "Serve HTTPS with this certificate chain (PEM, the server's first), with --tls-key.")
  Path tlsCertificate;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "The certificate's private key (PEM, unencrypted PKCS#8 or PKCS#1 RSA), with --tls-cert.")
  Path tlsKey;

  @Option(names = "--users-file", paramLabel = "FILE",
      description = {"Require HTTP basic auth from the users of this file: one user:password per line",
          "(e.g. a mounted Secret's key); read again when it changes."})
  Path usersFile;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if ((tlsCertificate == null) != (tlsKey == null)) {
      throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    SchemaRegistryServer.Config config = SchemaRegistryServer.Config.of(bootstrapServers).withHost(host).withPort(port)
        .withUsersFile(usersFile);
    if (tlsCertificate != null) {
      try {
        config = config.withTls(PemFiles.serverContext(tlsCertificate, tlsKey));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--tls-cert/--tls-key: " + e.getMessage());
      }
    }
    SchemaRegistryServer server = SchemaRegistryServer.start(config);
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
