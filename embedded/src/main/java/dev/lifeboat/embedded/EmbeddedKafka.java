package dev.lifeboat.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka cluster in this JVM: one KRaft node that is both broker and controller,
 * started the way {@code kafka-server-start} starts one, listening on 127.0.0.1 only.
 *
 * <p>The log directory is {@code <dataDir>/data}; it is formatted on the first start and reused
 * afterwards, so topics and records survive a restart. The controller quorum is static
 * ({@code controller.quorum.voters}), which lets both ports change from one run to the next.
 * Every internal topic has replication factor 1 and one partition, as a single node needs.
 *
 * <p>Clients connect in plaintext; started with {@link SecureListeners}, the node also has a SASL_SSL
 * listener (SCRAM-SHA-512 and PLAIN) and optionally an SSL listener requiring client certificates.
 */
public final class EmbeddedKafka implements KafkaBroker {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final String saslSslBootstrapServers;
  private final String sslBootstrapServers;
  private final Path logDir;
  private boolean closed;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, String saslSslBootstrapServers,
      String sslBootstrapServers, Path logDir) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.saslSslBootstrapServers = saslSslBootstrapServers;
    this.sslBootstrapServers = sslBootstrapServers;
    this.logDir = logDir;
  }

  /**
   * Starts the node and returns once an admin client can describe the cluster.
   *
   * @param dataDir a directory this broker owns; created if missing, kept across runs
   * @param preferredPort the client port to use if it is free (e.g. 9092); 0 for any free port
   */
  public static EmbeddedKafka start(Path dataDir, int preferredPort) {
    return start(dataDir, preferredPort, null);
  }

  /**
   * Starts the node with secured listeners besides the plaintext one (on free ports), and returns once
   * an admin client can describe the cluster and the SCRAM users can log in.
   *
   * @param secure the SASL_SSL (and SSL) listeners; null for the plaintext listener alone
   */
  public static EmbeddedKafka start(Path dataDir, int preferredPort, SecureListeners secure) {
    KafkaBrokers.noteInProcess();
    keepTheJvmOnFatalErrors();
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(dataDir, attempt == 1 ? preferredPort : 0, secure);
      } catch (RuntimeException e) {
        // a free port was taken by another process between finding it and binding it: pick new ones
        if (attempt >= 3 || !boundFailed(e)) {
          throw e;
        }
        log.warn("Kafka could not bind its ports (attempt {}): {}; trying other free ports", attempt, e.toString());
      }
    }
  }

  /**
   * Kafka calls {@code Exit.exit}/{@code Exit.halt} on fatal start-up errors, which would end the
   * process embedding it (a test run, the demo): make them throw instead, so the caller sees the error.
   */
  private static void keepTheJvmOnFatalErrors() {
    org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) -> {
      throw new IllegalStateException("the embedded Kafka broker stopped with status " + code + ": " + message);
    });
    org.apache.kafka.common.utils.Exit.setHaltProcedure((code, message) -> {
      throw new IllegalStateException("the embedded Kafka broker halted with status " + code + ": " + message);
    });
  }

  private static boolean boundFailed(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("failed to bind")) {
        return true;
      }
    }
    return false;
  }

  private static EmbeddedKafka startOnce(Path dataDir, int preferredPort, SecureListeners secure) {
    long began = System.nanoTime();
    Path logDir = dataDir.resolve("data").toAbsolutePath();
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create Kafka log directory " + logDir, e);
    }
    int port = Ports.preferredOrFree("Kafka", preferredPort);
    int controllerPort = Ports.freeOtherThan(port); // two free ports asked in a row can be the same one
    int saslSslPort = secure == null ? -1 : Ports.freeOtherThan(port, controllerPort);
    int sslPort = secure == null || !secure.hasSslListener() ? -1 : Ports.freeOtherThan(port, controllerPort, saslSslPort);
    Properties props = properties(logDir, port, controllerPort);
    if (secure != null) {
      addSecureListeners(props, secure, saslSslPort, sslPort);
    }
    KafkaConfig config = KafkaConfig.fromProps(props, false);
    boolean formatted = formatIfNeeded(config, logDir);

    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    EmbeddedKafka kafka = new EmbeddedKafka(server, "127.0.0.1:" + port, saslSslPort < 0 ? null : "127.0.0.1:" + saslSslPort,
        sslPort < 0 ? null : "127.0.0.1:" + sslPort, logDir);
    Lifecycle.orClose(kafka::close, () -> {
      server.startup();
      kafka.awaitReady();
      if (secure != null) {
        try (Admin admin = kafka.admin()) {
          secure.createScramUsers(admin);
        }
      }
    });
    log.info(
        "Kafka started on {}{} in {} ms (log dir {}{})",
        kafka.bootstrapServers,
        secure == null ? "" : " (" + secure + ": SASL_SSL on " + kafka.saslSslBootstrapServers
            + (kafka.sslBootstrapServers == null ? "" : ", SSL on " + kafka.sslBootstrapServers) + ")",
        Lifecycle.millisSince(began),
        logDir,
        formatted ? ", newly formatted" : "");
    return kafka;
  }

  /** Adds the secured listeners to the broker's listeners, advertised listeners and protocol map, and their settings. */
  private static void addSecureListeners(Properties p, SecureListeners secure, int saslSslPort, int sslPort) {
    StringBuilder listeners = new StringBuilder(SecureListeners.SASL_SSL.value()).append("://127.0.0.1:").append(saslSslPort);
    StringBuilder protocols = new StringBuilder(SecureListeners.SASL_SSL.value()).append(':').append(SecurityProtocol.SASL_SSL.name);
    if (sslPort >= 0) {
      listeners.append(',').append(SecureListeners.SSL.value()).append("://127.0.0.1:").append(sslPort);
      protocols.append(',').append(SecureListeners.SSL.value()).append(':').append(SecurityProtocol.SSL.name);
    }
    p.put("listeners", p.getProperty("listeners") + "," + listeners);
    p.put("advertised.listeners", p.getProperty("advertised.listeners") + "," + listeners);
    p.put("listener.security.protocol.map", p.getProperty("listener.security.protocol.map") + "," + protocols);
    secure.addTo(p);
  }

  /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:9092}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The {@code bootstrap.servers} of the SASL_SSL listener; only when started with {@link SecureListeners}. */
  public String saslSslBootstrapServers() {
    if (saslSslBootstrapServers == null) {
      throw new IllegalStateException("this broker has no SASL_SSL listener: start it with SecureListeners");
    }
    return saslSslBootstrapServers;
  }

  /** The {@code bootstrap.servers} of the SSL listener requiring client certificates; only with {@link SecureListeners#clientCertificates()}. */
  public String sslBootstrapServers() {
    if (sslBootstrapServers == null) {
      throw new IllegalStateException("this broker has no SSL listener: start it with SecureListeners...clientCertificates()");
    }
    return sslBootstrapServers;
  }

  /** Shuts the node down and waits until it has stopped. Calling it again does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long began = System.nanoTime();
    server.shutdown();
    server.awaitShutdown();
    log.info(
        "Kafka on {} stopped in {} ms",
        bootstrapServers,
        Lifecycle.millisSince(began));
  }

  static Properties properties(Path logDir, int port, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    p.put(
        "listeners",
        BROKER_LISTENER + "://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
            + controllerPort);
    p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + port);
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", BROKER_LISTENER);
    p.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    p.put("log.dirs", logDir.toString());

    // One node: every internal topic has one replica and one partition.
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("num.partitions", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("share.coordinator.state.topic.num.partitions", "1");

    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");

    // Sized for a laptop, not a data centre: fewer threads, a small log-cleaner buffer.
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.put("log.cleaner.threads", "1");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
    return p;
  }

  /** Formats the log directory unless an earlier run did; returns whether it formatted. */
  private static boolean formatIfNeeded(KafkaConfig config, Path logDir) {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return false;
    }
    Formatter formatter =
        new Formatter()
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
            .setNodeId(config.nodeId())
            .setClusterId(Uuid.randomUuid().toString())
            .setControllerListenerName(config.controllerListenerNames().get(0))
            .setMetadataLogDirectory(config.metadataLogDir())
            .setUnstableFeatureVersionsEnabled(false)
            .setIgnoreFormatted(true)
            .setHasDynamicQuorum(false)
            .addDirectory(logDir.toString());
    try {
      formatter.run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format Kafka log directory " + logDir, e);
    }
    return true;
  }

  /** An admin client on the plaintext listener. */
  private Admin admin() {
    return Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
  }

  private void awaitReady() {
    try (Admin admin = admin()) {
      Lifecycle.await("Kafka", READY_TIMEOUT, () -> {
        try {
          return admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000)).nodes().get(10, TimeUnit.SECONDS)
              .size() > 0;
        } catch (ExecutionException | TimeoutException e) {
          log.debug("Kafka on {} not ready yet: {}", bootstrapServers, e.toString());
          return false;
        }
      }, () -> "Kafka on " + bootstrapServers + " (log dir " + logDir + ") not ready after " + READY_TIMEOUT.toSeconds()
          + " s");
    }
  }
}
