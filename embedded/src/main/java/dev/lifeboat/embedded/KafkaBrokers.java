package dev.lifeboat.embedded;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Kafka broker a stack runs. By default the in-process one ({@link EmbeddedKafka}). With the
 * system property {@code lifeboat.kafka=testcontainers} (what {@code -Ptestcontainers} sets for the
 * integration tests) the shared test stack runs the broker image users deploy instead, in a container
 * started by Testcontainers: {@code lifeboat.kafka.image}, by default {@code apache/kafka:<the Kafka
 * version on the class path>}. That needs Docker; without it the stack fails to start, saying so.
 *
 * <p>A broker in a container cannot be stopped and started again on its port with its log, and its
 * data dies with it. Tests that need that (outages, restarts, a log directory that outlives the
 * broker) start {@link EmbeddedKafka} or a stack of their own, and keep the in-process broker whatever
 * the switch says; a log line names each of them when the switch is on.
 */
public final class KafkaBrokers {
  private static final Logger log = LoggerFactory.getLogger(KafkaBrokers.class);

  /** The switch: {@code testcontainers}, or {@code in-process} (the default). */
  public static final String SWITCH = "lifeboat.kafka";
  /** The broker image with {@code lifeboat.kafka=testcontainers}. */
  public static final String IMAGE = "lifeboat.kafka.image";

  private static final Set<String> ORCHESTRATION = Set.of(
      KafkaBrokers.class.getName(), EmbeddedKafka.class.getName(), EmbeddedStack.class.getName());
  private static final Set<String> NOTED = ConcurrentHashMap.newKeySet();

  /** Where a stack's broker runs. */
  public enum Kind {
    /** {@link EmbeddedKafka}: in this JVM, restartable, its log in the stack's data directory. */
    IN_PROCESS,
    /** The broker image in a container (Testcontainers' Kafka module; needs Docker). */
    TESTCONTAINERS
  }

  private KafkaBrokers() {}

  /** The kind the {@code lifeboat.kafka} system property asks for; {@link Kind#IN_PROCESS} when it is not set. */
  public static Kind requested() {
    return parse(System.getProperty(SWITCH));
  }

  static Kind parse(String value) {
    if (value == null || value.isBlank()) {
      return Kind.IN_PROCESS;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "in-process" -> Kind.IN_PROCESS;
      case "testcontainers" -> Kind.TESTCONTAINERS;
      default -> throw new IllegalArgumentException("-D" + SWITCH + "=" + value + " is not a Kafka broker for the tests:"
          + " use testcontainers (the broker image in a container; needs Docker) or in-process (the default)");
    };
  }

  /** The image a container broker runs: {@code lifeboat.kafka.image}, or Apache's image of the Kafka version in use. */
  public static String image() {
    String image = System.getProperty(IMAGE);
    return image == null || image.isBlank() ? "apache/kafka:" + AppInfoParser.getVersion() : image.trim();
  }

  /**
   * Starts a broker of {@code kind}.
   *
   * @param dataDir the in-process broker's directory (a container keeps its log inside itself)
   * @param preferredPort the in-process broker's port if free, 0 for any (a container's port is always a free one)
   * @throws IllegalStateException with {@link Kind#TESTCONTAINERS}, when Testcontainers is not on the class
   *     path or Docker is not found: the message says how to run without the switch
   */
  public static KafkaBroker start(Kind kind, Path dataDir, int preferredPort) {
    return switch (kind) {
      case IN_PROCESS -> EmbeddedKafka.start(dataDir, preferredPort);
      case TESTCONTAINERS -> container(image());
    };
  }

  /**
   * Fails now, before anything else starts, if a broker of {@code kind} cannot be started here: with
   * {@link Kind#TESTCONTAINERS}, when Testcontainers is not on the class path or Docker is not found.
   */
  public static void requireAvailable(Kind kind) {
    if (kind == Kind.TESTCONTAINERS) {
      requireTestcontainers();
      TestcontainersKafka.requireDocker(image());
    }
  }

  private static KafkaBroker container(String image) {
    requireTestcontainers();
    return TestcontainersKafka.start(image);
  }

  private static void requireTestcontainers() {
    try {
      Class.forName("org.testcontainers.DockerClientFactory", false, KafkaBrokers.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(SWITCH + "=testcontainers asks for a Kafka broker in a container, but Testcontainers"
          + " is not on this module's test class path: run Maven with -Ptestcontainers, which adds"
          + " org.testcontainers:testcontainers-kafka, or without " + SWITCH + " to use the in-process broker", e);
    }
  }

  /**
   * Called as an in-process broker starts: with the switch on, logs which test keeps the in-process
   * broker (it starts one itself, as tests that stop or restart the broker do).
   */
  static void noteInProcess() {
    if (!"testcontainers".equalsIgnoreCase(String.valueOf(System.getProperty(SWITCH)).trim())) {
      return;
    }
    String caller = StackWalker.getInstance().walk(frames -> frames
        .map(StackWalker.StackFrame::getClassName)
        .filter(name -> !ORCHESTRATION.contains(name))
        .findFirst()
        .orElse("a caller"));
    if (!NOTED.add(caller)) {
      return; // once per test class, not at every restart
    }
    log.info("{}=testcontainers is set, but {} starts its own Kafka broker in this JVM, as a test that stops or restarts"
        + " the broker or reads its log directory must: the broker in a container serves the shared test stack only",
        SWITCH, caller.substring(caller.lastIndexOf('.') + 1));
  }
}
