package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.schemas.registry.RegistryUnavailableException;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * What the publisher does when a change cannot reach Kafka at once: no room (too much in flight), a
 * refusal, a schema registry that is away, or an object that can never be encoded.
 */
class ResourceChangePublisherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final WatchedKind CONFIGMAPS = new WatchedKind("", "v1", "ConfigMap", "configmaps", true);

  private final Health health = new Health(Clock.systemUTC());
  private final WatcherMetrics metrics = new WatcherMetrics(new SimpleMeterRegistry());
  private final PublishFailures failures = new PublishFailures(health, null, metrics, Clock.systemUTC());
  private final ScriptedSink sink = new ScriptedSink();
  private final PublishedState state = new PublishedState();
  private final ResourceChangePublisher publisher = new ResourceChangePublisher("c1", state, sink,
      new EventFactory("c1", "watcher", Clock.systemUTC()), true, List.of(), null, null, metrics, failures);

  {
    failures.attach(sink, publisher::backlogSize);
  }

  @Test
  void anObjectThatCanNeverBeEncodedIsDeadLetteredByIdentityWithoutItsContentAndShownInHealth() {
    sink.permanentFailure = true;
    publisher.upsert(CONFIGMAPS, configMap("poison", "1", "secret-looking-value"), Instant.now());

    assertThat(sink.deadLetters).singleElement().satisfies(dead -> {
      assertThat(dead.topic()).isEqualTo(Topics.DLQ);
      assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("c1/ns//ConfigMap/poison");
      assertThat(dead.value()).as("never the object's content").isNull();
      assertThat(header(dead, DeadLetterPublisher.HEADER_TOPIC)).isEqualTo(Topics.RESOURCE_CHANGES);
      assertThat(header(dead, DeadLetterPublisher.HEADER_ERROR_CLASS)).isEqualTo(SerializationException.class.getName());
      assertThat(header(dead, DeadLetterPublisher.HEADER_WORKER)).isEqualTo("watcher");
    });
    assertThat(health.components().get(PublishFailures.CHANGES).state()).isEqualTo(Health.State.DEGRADED);
    assertThat(health.components().get(PublishFailures.CHANGES).detail()).contains("c1/ns//ConfigMap/poison");
    assertThat(publisher.backlogSize()).as("not retried in a loop").isZero();

    sink.permanentFailure = false;
    publisher.upsert(CONFIGMAPS, configMap("poison", "2", "fixed"), Instant.now());
    sink.ackAll();
    assertThat(health.components().get(PublishFailures.CHANGES).state()).as("published at last").isEqualTo(Health.State.UP);
  }

  @Test
  void aSchemaRegistryThatIsAwayKeepsTheObjectInTheBacklogInsteadOfDeadLetteringIt() {
    sink.registryAway = true;
    publisher.upsert(CONFIGMAPS, configMap("a", "1", "x"), Instant.now());
    assertThat(sink.deadLetters).isEmpty();
    assertThat(publisher.backlogSize()).isEqualTo(1);

    sink.registryAway = false;
    publisher.republish(publisher.backlog().peekNow(), Optional.of(configMap("a", "2", "y")));
    assertThat(publisher.backlogSize()).isZero();
    assertThat(sink.sent).singleElement().satisfies(r -> assertThat(r.getResourceVersion()).isEqualTo("2"));
  }

  @Test
  void aRefusedChangeIsSentAgainInTheObjectsLatestStateAndNewerChangesWaitBehindIt() {
    publisher.upsert(CONFIGMAPS, configMap("a", "1", "x"), Instant.now());
    sink.refuseAll(new org.apache.kafka.common.errors.TimeoutException("expired"));
    assertThat(publisher.backlogSize()).isEqualTo(1);
    assertThat(health.components().get(PublishFailures.KAFKA).state()).isEqualTo(Health.State.DEGRADED);
    assertThat(state.get("c1/ns//ConfigMap/a")).as("what Kafka holds: nothing").isNull();

    publisher.upsert(CONFIGMAPS, configMap("a", "2", "y"), Instant.now());
    assertThat(sink.sent).as("waits behind the refused one").hasSize(1);

    publisher.republish(publisher.backlog().peekNow(), Optional.of(configMap("a", "3", "z")));
    sink.ackAll();
    assertThat(sink.sent).extracting(ResourceChanged::getResourceVersion).containsExactly("1", "3");
    assertThat(sink.sent.get(1).getType()).isEqualTo(ChangeType.ADDED);
    assertThat(publisher.backlogSize()).isZero();
    failures.drained();
    assertThat(health.components().get(PublishFailures.KAFKA).state()).isEqualTo(Health.State.UP);
  }

  @Test
  void withNoRoomTheObjectWaitsAsItsIdentityAndADeletionIsPublishedFromTheBacklogWhenItIsGone() {
    publisher.upsert(CONFIGMAPS, configMap("a", "1", "x"), Instant.now());
    sink.ackAll();
    sink.full = true;
    publisher.upsert(CONFIGMAPS, configMap("a", "2", "y"), Instant.now());
    publisher.delete(CONFIGMAPS, configMap("a", "2", "y"), Instant.now());
    assertThat(publisher.backlogSize()).isEqualTo(1);
    assertThat(sink.sent).hasSize(1);

    sink.full = false;
    publisher.republish(publisher.backlog().peekNow(), Optional.empty());
    sink.ackAll();
    assertThat(sink.sent).extracting(ResourceChanged::getType).containsExactly(ChangeType.ADDED, ChangeType.DELETED);
    assertThat(state.get("c1/ns//ConfigMap/a")).isNull();
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static ObjectNode configMap(String name, String resourceVersion, String value) {
    ObjectNode o = JSON.createObjectNode();
    o.put("apiVersion", "v1").put("kind", "ConfigMap");
    o.putObject("metadata").put("name", name).put("namespace", "ns").put("uid", "uid-" + name)
        .put("resourceVersion", resourceVersion);
    o.putObject("data").put("v", value);
    return o;
  }

  /** A sink whose answers the test decides. */
  private static final class ScriptedSink implements RecordSink {
    final List<ResourceChanged> sent = new ArrayList<>();
    final List<CompletableFuture<Void>> waiting = new ArrayList<>();
    final List<ProducerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
    boolean full;
    boolean permanentFailure;
    boolean registryAway;

    @Override
    public Optional<CompletableFuture<Void>> trySend(String topic, String key, Object value) {
      if (permanentFailure) {
        throw new SerializationException("cannot encode");
      }
      if (registryAway) {
        throw new RegistryUnavailableException("registry unreachable", null);
      }
      if (full) {
        return Optional.empty();
      }
      sent.add((ResourceChanged) value);
      CompletableFuture<Void> acked = new CompletableFuture<>();
      waiting.add(acked);
      return Optional.of(acked);
    }

    @Override
    public CompletableFuture<Void> send(String topic, String key, Object value) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Void> sendRaw(ProducerRecord<byte[], byte[]> record) {
      deadLetters.add(record);
      return CompletableFuture.completedFuture(null);
    }

    void ackAll() {
      List.copyOf(waiting).forEach(f -> f.complete(null));
      waiting.clear();
    }

    void refuseAll(Throwable error) {
      List.copyOf(waiting).forEach(f -> f.completeExceptionally(error));
      waiting.clear();
    }
  }
}
