package dev.lifeboat.embedded;

import dev.lifeboat.schemas.registry.SchemaRegistryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifeboat's real components on loopback, in one place: a KRaft Kafka broker, the schema registry,
 * two S3 servers ({@code primary} and {@code offsite}), etcd when its binary is installed, and a
 * local Kubernetes API, which keeps its objects in that etcd (in memory without one), so the stack's
 * etcd holds the state of its cluster as a real control plane's does. Used by the integration tests and by {@code lifeboat demo}. Everything runs
 * in this JVM except etcd, which runs under a watchdog that stops it when this JVM dies, so nothing
 * is left behind even after {@code kill -9}.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

  public static final String ACCESS_KEY = "lifeboat";
  public static final String SECRET_KEY = "lifeboat-secret";
  public static final String PRIMARY_BUCKET = "lifeboat-primary";
  public static final String OFFSITE_BUCKET = "lifeboat-offsite";

  /**
   * Which components to start and where; port 0 means any free port. {@code kafka} says where the
   * broker runs: in this JVM unless asked otherwise ({@link KafkaBrokers}).
   */
  public record Options(Path dataDir, int kafkaPort, int registryPort, int primaryPort, int offsitePort,
      int kubernetesPort, int etcdPort, boolean etcd, boolean kubernetes, KafkaBrokers.Kind kafka) {

    /** With the broker in this JVM. */
    public Options(Path dataDir, int kafkaPort, int registryPort, int primaryPort, int offsitePort,
        int kubernetesPort, int etcdPort, boolean etcd, boolean kubernetes) {
      this(dataDir, kafkaPort, registryPort, primaryPort, offsitePort, kubernetesPort, etcdPort, etcd, kubernetes,
          KafkaBrokers.Kind.IN_PROCESS);
    }

    /** The same, with the broker of {@code kind}: a broker in a container cannot be stopped and started again. */
    public Options withKafka(KafkaBrokers.Kind kind) {
      return new Options(dataDir, kafkaPort, registryPort, primaryPort, offsitePort, kubernetesPort, etcdPort, etcd,
          kubernetes, kind);
    }

    /** The demo's well-known ports; a taken port is replaced by a free one, with a warning. */
    public static Options demo(Path dataDir) {
      return new Options(dataDir, 9092, 8081, 9000, 9001, 6443, 2379, true, true);
    }

    /** Free ports everywhere: for tests. */
    public static Options ephemeral(Path dataDir) {
      return new Options(dataDir, 0, 0, 0, 0, 0, 0, true, true);
    }
  }

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private KafkaBroker kafka;
  private KafkaBrokers.Kind kafkaKind;
  private SchemaRegistryServer registry;
  private EmbeddedS3 primary;
  private EmbeddedS3 offsite;
  private EmbeddedEtcd etcd;
  private LocalKubernetes kubernetes;
  private Path kubeconfig;
  private Duration startupTime;
  private RuntimeException firstFailure;
  /** Where the components that can be stopped and started again listen: they come back there. */
  private String kafkaAddress;
  private String offsiteAddress;
  private int etcdPort;
  private Path dataDir;

  private EmbeddedStack() {}

  /**
   * Starts every component. Kafka and the registry start on this thread while the S3 servers, etcd
   * and the Kubernetes API start beside them (most of a cold start is class loading, which two cores
   * do in parallel). If anything fails, whatever did start is stopped before the error is thrown.
   */
  public static EmbeddedStack start(Options options) {
    KafkaBrokers.requireAvailable(options.kafka()); // a broker in a container needs Docker: say so before starting the rest
    EmbeddedStack stack = new EmbeddedStack();
    stack.dataDir = options.dataDir();
    stack.kafkaKind = options.kafka();
    long begin = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "lifeboat-stack-start");
      t.setDaemon(true);
      return t;
    });
    Future<EmbeddedS3> primary = null;
    Future<EmbeddedS3> offsite = null;
    Future<EmbeddedEtcd> etcd = null;
    Future<LocalKubernetes> kubernetes = null;
    RuntimeException failure = null;
    try {
      Files.createDirectories(options.dataDir());
      primary = pool.submit(() -> EmbeddedS3.start("primary", options.dataDir().resolve("s3-primary"),
          options.primaryPort(), ACCESS_KEY, SECRET_KEY, List.of(PRIMARY_BUCKET)));
      offsite = pool.submit(() -> EmbeddedS3.start("offsite", options.dataDir().resolve("s3-offsite"),
          options.offsitePort(), ACCESS_KEY, SECRET_KEY, List.of(OFFSITE_BUCKET)));
      if (options.etcd()) {
        if (EmbeddedEtcd.isInstalled()) {
          etcd = pool.submit(() -> EmbeddedEtcd.start(options.dataDir().resolve("etcd"), options.etcdPort()));
        } else {
          log.warn("etcd is not installed (apt-get install etcd-server): etcd snapshots are unavailable in this stack,"
              + " and the Kubernetes API keeps its objects in memory");
        }
      }
      if (options.kubernetes()) {
        // The API keeps its objects in the stack's etcd when there is one: it starts once etcd answers.
        Future<EmbeddedEtcd> store = etcd;
        kubernetes = pool.submit(() -> store == null ? LocalKubernetes.start(options.kubernetesPort())
            : LocalKubernetes.start(options.kubernetesPort(), store.get().endpoints()));
      }
      stack.kafka = stack.track(KafkaBrokers.start(options.kafka(), options.dataDir().resolve("kafka"), options.kafkaPort()));
      stack.registry = stack.track(SchemaRegistryServer.start(
          SchemaRegistryServer.Config.of(stack.kafka.bootstrapServers())
              .withPort(Ports.preferredOrFree("schema-registry", options.registryPort()))));
    } catch (IOException e) {
      failure = new UncheckedIOException("cannot start the embedded stack in " + options.dataDir() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      failure = e;
    }
    // Collect what started beside Kafka, even after a failure, so that it can be stopped.
    stack.primary = stack.collect(primary, failure);
    stack.offsite = stack.collect(offsite, failure);
    stack.etcd = stack.collect(etcd, failure);
    stack.kubernetes = stack.collect(kubernetes, failure);
    pool.shutdown();
    failure = stack.firstFailure == null ? failure : stack.firstFailure;
    if (failure == null && stack.kubernetes != null) {
      try {
        stack.kubeconfig = options.dataDir().resolve("kubeconfig");
        stack.kubernetes.writeKubeconfig(stack.kubeconfig);
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (failure != null) {
      stack.close();
      throw failure;
    }
    stack.startupTime = Duration.ofNanos(System.nanoTime() - begin);
    stack.kafkaAddress = stack.kafka.bootstrapServers();
    stack.offsiteAddress = stack.offsite.endpoint();
    stack.etcdPort = stack.etcd == null ? 0 : stack.etcd.clientPort();
    log.info("Embedded stack up in {} ms: kafka {}, registry {}, s3 {} and {}, etcd {}, kubernetes {}",
        stack.startupTime.toMillis(), stack.kafka.bootstrapServers(), stack.registry.url(), stack.primary.endpoint(),
        stack.offsite.endpoint(), stack.etcd == null ? "-" : stack.etcd.endpoints(),
        stack.kubernetes == null ? "-" : stack.kubernetes.url());
    return stack;
  }

  /** Waits for a component started in the background; records its failure instead of throwing. */
  private <T extends AutoCloseable> T collect(Future<T> future, RuntimeException earlier) {
    if (future == null) {
      return null;
    }
    try {
      return track(future.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      firstFailure = firstFailure != null ? firstFailure : new IllegalStateException("interrupted while starting the stack", e);
    } catch (ExecutionException e) {
      RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
          : new IllegalStateException(e.getCause().getMessage(), e.getCause());
      if (earlier == null && firstFailure == null) {
        firstFailure = cause;
      } else {
        log.warn("Another component failed to start as well: {}", cause.toString());
      }
    }
    return null;
  }

  private <T extends AutoCloseable> T track(T component) {
    started.push(component);
    return component;
  }

  /** Where the components keep their data. */
  public Path dataDir() {
    return dataDir;
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  /** Where the broker listens, also while it is stopped. */
  public String bootstrapServers() {
    return kafkaAddress != null ? kafkaAddress : kafka.bootstrapServers();
  }

  public SchemaRegistryServer registry() {
    return registry;
  }

  public String registryUrl() {
    return registry.url();
  }

  public EmbeddedS3 primary() {
    return primary;
  }

  public EmbeddedS3 offsite() {
    return offsite;
  }

  public Optional<EmbeddedEtcd> etcd() {
    return Optional.ofNullable(etcd);
  }

  public Optional<LocalKubernetes> kubernetes() {
    return Optional.ofNullable(kubernetes);
  }

  public Duration startupTime() {
    return startupTime;
  }

  public Endpoints endpoints() {
    return new Endpoints(
        kafka.bootstrapServers(),
        registry.url(),
        List.of(store(primary, PRIMARY_BUCKET), store(offsite, OFFSITE_BUCKET)),
        kubernetes == null ? null : kubernetes.url(),
        kubeconfig == null ? null : kubeconfig.toAbsolutePath().toString(),
        etcd == null ? List.of() : etcd.endpoints(),
        null);
  }

  private static Endpoints.Store store(EmbeddedS3 s3, String bucket) {
    return new Endpoints.Store(s3.name(), s3.endpoint(), bucket, s3.accessKey(), s3.secretKey(), null);
  }

  // Fault injection: a component stopped and started again on the same port with the same data, as a
  // crashed server and its restart look to clients. For tests and the chaos run.

  /** Stops the off-region S3 server; its objects stay on disk for {@link #startOffsite}. */
  public synchronized void stopOffsite() {
    offsite = stop(offsite);
  }

  /** Starts the off-region S3 server again, on its port, with its objects. */
  public synchronized void startOffsite() {
    if (offsite == null) {
      EmbeddedS3 restarted = EmbeddedS3.start("offsite", dataDir.resolve("s3-offsite"), port(offsiteAddress), ACCESS_KEY,
          SECRET_KEY, List.of(OFFSITE_BUCKET));
      offsite = track(samePort(offsiteAddress, restarted.endpoint(), restarted));
    }
  }

  /**
   * Stops the Kafka broker (as a crash would: clients find nothing on its port); its log stays.
   *
   * @throws IllegalStateException if the broker runs in a container, which cannot come back on its port with its log
   */
  public synchronized void stopBroker() {
    if (kafkaKind != KafkaBrokers.Kind.IN_PROCESS) {
      throw new IllegalStateException("this stack's Kafka broker runs in a container (" + KafkaBrokers.SWITCH + "="
          + "testcontainers), which cannot be stopped and started again on its port with its log: start a stack with"
          + " the in-process broker (Options.withKafka(Kind.IN_PROCESS)) to stop and restart it");
    }
    kafka = stop(kafka);
  }

  /** Starts the Kafka broker again on its port, with its log. */
  public synchronized void startBroker() {
    if (kafka == null) {
      EmbeddedKafka restarted = EmbeddedKafka.start(dataDir.resolve("kafka"), port(kafkaAddress));
      kafka = track(samePort(kafkaAddress, restarted.bootstrapServers(), restarted));
    }
  }

  /** Stops etcd (and with it the local Kubernetes API's storage); its data stays. */
  public synchronized void stopEtcd() {
    etcd = stop(etcd);
  }

  /** Starts etcd again on its port, with its data. */
  public synchronized void startEtcd() {
    if (etcd == null) {
      EmbeddedEtcd restarted = EmbeddedEtcd.start(dataDir.resolve("etcd"), etcdPort);
      etcd = track(samePort(Integer.toString(etcdPort), Integer.toString(restarted.clientPort()), restarted));
    }
  }

  private <T extends AutoCloseable> T stop(T component) {
    if (component != null) {
      started.remove(component);
      try {
        component.close();
      } catch (Exception e) {
        log.warn("Stopping {} failed: {}", component.getClass().getSimpleName(), e.toString());
      }
    }
    return null;
  }

  private static <T extends AutoCloseable> T samePort(String before, String after, T restarted) {
    if (!before.equals(after)) {
      try {
        restarted.close();
      } catch (Exception e) {
        log.warn("Stopping {} failed: {}", restarted.getClass().getSimpleName(), e.toString());
      }
      throw new IllegalStateException("restarted on " + after + " instead of " + before + ": its port was taken meanwhile");
    }
    return restarted;
  }

  private static int port(String hostPortOrUrl) {
    return Integer.parseInt(hostPortOrUrl.substring(hostPortOrUrl.lastIndexOf(':') + 1).replaceAll("[^0-9].*$", ""));
  }

  /** Stops everything that was started, last first. Safe to call twice. */
  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable component = started.pop();
      try {
        component.close();
      } catch (Exception e) {
        log.warn("Stopping {} failed: {}", component.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
