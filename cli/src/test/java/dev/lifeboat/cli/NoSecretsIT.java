package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * No secret leaves a running Lifeboat in clear: a process with every worker runs until a snapshot of
 * an application with a Secret is proven, and then its logs (every logger at DEBUG), its status page,
 * health and metrics, the audit trail, the change records on Kafka, {@code config docs} and the
 * configuration's own text are searched for the store's secret key, the repository's master key, the
 * encryption key and the Secret's value.
 */
@LifeboatIntegrationTest
class NoSecretsIT {
  private final TestStack stack;
  private final IsolatedCluster isolated;
  private final String cluster;

  NoSecretsIT(TestStack stack) {
    this.stack = stack;
    this.isolated = new IsolatedCluster(stack, "leakcheck");
    this.cluster = isolated.name();
  }

  @Test
  void noSecretAppearsInLogsStatusAuditRecordsOrDocumentation(@TempDir Path dir) throws Exception {
    String secretValue = "never-in-clear-" + UUID.randomUUID();
    KubernetesClient kube = stack.stack().kubernetes().orElseThrow().client();
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(cluster).endMetadata().build()).create();
    kube.secrets().inNamespace(cluster).resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
        .addToStringData("password", secretValue).build()).create();
    LifeboatConfig config = config(dir);
    Map<String, String> secrets = new LinkedHashMap<>();
    secrets.put("the Secret's value", secretValue);
    secrets.put("the Secret's value in base64", Base64.getEncoder().encodeToString(secretValue.getBytes(StandardCharsets.UTF_8)));
    secrets.put("stores.primary.secretKey", config.stores().primary().secretKey());
    secrets.put("repository.masterKey", Base64.getEncoder().encodeToString(config.masterKey()));
    EncryptionConfig encryption = config.encryption().orElseThrow();
    encryption.keys().forEach((id, key) -> secrets.put("encryption key " + id, Base64.getEncoder().encodeToString(key)));

    Captured logs = Captured.capture();
    Map<String, String> outputs = new LinkedHashMap<>();
    try (LifeboatProcess process = new LifeboatProcess(config, "leakcheck-it").start()) {
      List<SnapshotVerified> proofs = stack.read(Topics.VERIFICATIONS, SnapshotVerified.class, Duration.ofSeconds(120),
          l -> l.stream().anyMatch(v -> v.getHeader().getCluster().equals(cluster) && v.getKind() == SnapshotKind.RESOURCES
              && v.getOutcome() == VerificationOutcome.PASSED));
      assertThat(proofs).as("a proven resource snapshot of %s", cluster)
          .anyMatch(v -> v.getHeader().getCluster().equals(cluster) && v.getOutcome() == VerificationOutcome.PASSED);
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/", "/status", "/health", "/health/ready", "/metrics")) {
        outputs.put("GET " + path, http.send(HttpRequest.newBuilder(URI.create(process.status().url() + path)).build(),
            HttpResponse.BodyHandlers.ofString()).body());
      }
    } finally {
      logs.stop();
    }
    outputs.put("logs", String.join("\n", logs.lines));
    outputs.put("audit", String.join("\n", isolated.records(Topics.AUDIT, AuditEvent.class).stream().map(Object::toString)
        .toList()));
    outputs.put("change records", String.join("\n", readToEnd(Topics.RESOURCE_CHANGES).stream()
        .map(r -> new String(r.value() == null ? new byte[0] : r.value(), StandardCharsets.ISO_8859_1)).toList()));
    outputs.put("config docs", LifeboatConfig.documentation());
    outputs.put("the configuration's text", config.toString());

    assertThat(outputs.get("logs")).as("the logs were captured").contains(cluster);
    assertThat(outputs.get("audit")).as("the audit trail was read").contains("verification.passed");
    assertThat(outputs.get("change records")).as("the Secret was published (sealed)").contains("\"db\"");
    List<String> leaks = new ArrayList<>();
    outputs.forEach((where, text) -> secrets.forEach((what, value) -> {
      int at = value == null || value.isEmpty() ? -1 : text.indexOf(value);
      if (at >= 0) {
        leaks.add(what + " in " + where + ": ..." + text.substring(Math.max(0, at - 120), Math.min(text.length(),
            at + value.length() + 40)) + "...");
      }
    }));
    assertThat(leaks).as("secrets in clear").isEmpty();
  }

  /** Every record of the topic up to its end offsets when called. */
  private List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer(cluster + "-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("read %s up to its end offsets %s", topic, end).isLessThan(deadline);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            records.add(r);
          }
        }
      }
    }
    return records;
  }

  private LifeboatConfig config(Path dir) {
    LifeboatConfig base = isolated.config(dir);
    dev.lifeboat.snapshotter.SnapshotterConfig s = base.section(dev.lifeboat.snapshotter.SnapshotterConfig.SECTION);
    return base
        .with(dev.lifeboat.watcher.WatcherConfig.SECTION, new dev.lifeboat.watcher.WatcherConfig(true, List.of(), List.of(),
            List.of(cluster), List.of(), null, true, Duration.ofMinutes(1), List.of("Secret"), 10_000, "lz4", List.of()))
        .with(dev.lifeboat.snapshotter.SnapshotterConfig.SECTION, new dev.lifeboat.snapshotter.SnapshotterConfig(true,
            s.masterKey(), Duration.ZERO, "", 2, s.csiTimeout(), "", Duration.ofSeconds(5), Duration.ofSeconds(5)));
  }

  /** Every log line of the process, every logger at DEBUG, with the messages of exceptions and their causes. */
  private static final class Captured extends AppenderBase<ILoggingEvent> {
    final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final Map<Logger, Level> levels = new LinkedHashMap<>();

    static Captured capture() {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      Captured captured = new Captured();
      captured.setContext(context);
      captured.start();
      for (String name : List.of(Logger.ROOT_LOGGER_NAME, "dev.lifeboat", "org.apache.kafka", "io.fabric8", "io.minio")) {
        Logger logger = context.getLogger(name);
        captured.levels.put(logger, logger.getLevel());
        logger.setLevel(Level.DEBUG);
      }
      context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(captured);
      return captured;
    }

    @Override
    protected void append(ILoggingEvent event) {
      StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
      }
      lines.add(line.toString());
    }

    @Override
    public void stop() {
      LoggerContext context = (LoggerContext) getContext();
      context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this);
      levels.forEach(Logger::setLevel);
      super.stop();
    }
  }
}
