package dev.lifeboat.bench.chaos;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.commands.v1.Cancel;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.commands.v1.VerifyNow;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Records no Lifeboat component wrote, for every topic a worker reads: random bytes, a wrong magic
 * byte, an unknown schema id, valid Avro of another topic's schema, huge garbage, no key, and, on
 * {@code lifeboat.commands}, well-formed commands with contradictory or hostile fields. The first
 * six must each be dead-lettered with an audit event; a hostile command must be answered (REJECTED
 * or FAILED) under its id, never run as asked and never crash the worker.
 */
final class MalformedRecords {
  /** The topics workers read, each the input of at least one worker. */
  static final List<String> INPUT_TOPICS = List.of(Topics.RESOURCE_CHANGES, Topics.SNAPSHOT_REQUESTS, Topics.SNAPSHOTS,
      Topics.REPLICATIONS, Topics.COMMANDS);

  /** One record to send: its topic, key and what it holds; its bytes are made when it is sent ({@link #record}). */
  record Spec(String topic, byte[] key, int kind, Command hostile) {}

  /**
   * What to send, in sending order: the garbage records per topic, and the ids of the hostile commands.
   * The values are made one at a time as they are sent: a thousand records per topic with a sixth of
   * them several MiB would not fit in the run's heap at once.
   */
  record Batch(List<Spec> specs, Map<String, Integer> garbagePerTopic, List<String> hostileCommands) {}

  private final Random random;
  private final AvroSerializer<Object> serializer;
  private final EventFactory events;

  MalformedRecords(Random random, AvroSerializer<Object> serializer, EventFactory events) {
    this.random = random;
    this.serializer = serializer;
    this.events = events;
  }

  /** {@code perTopic} records for each input topic; on the commands topic one in seven is a hostile command. */
  Batch make(int perTopic) {
    List<Spec> records = new ArrayList<>();
    Map<String, Integer> garbage = new java.util.LinkedHashMap<>();
    List<String> hostile = new ArrayList<>();
    for (String topic : INPUT_TOPICS) {
      for (int i = 0; i < perTopic; i++) {
        int kind = i % 7;
        if (kind == 6 && topic.equals(Topics.COMMANDS)) {
          Command command = hostileCommand(i / 7);
          hostile.add(command.getCommandId());
          records.add(new Spec(topic, bytes(command.getCommandId()), kind, command));
          continue;
        }
        records.add(new Spec(topic, kind == 5 ? null : bytes("chaos-" + UUID.randomUUID()), kind, null));
        garbage.merge(topic, 1, Integer::sum);
      }
    }
    java.util.Collections.shuffle(records, random);
    return new Batch(records, garbage, hostile);
  }

  /** The record {@code spec} describes, its value made now. */
  ProducerRecord<byte[], byte[]> record(Spec spec) {
    byte[] value = spec.hostile() != null ? serializer.serialize(spec.topic(), spec.hostile()) : garbage(spec.topic(), spec.kind());
    return new ProducerRecord<>(spec.topic(), spec.key(), value);
  }

  private byte[] garbage(String topic, int kind) {
    return switch (kind) {
      case 0 -> randomBytes(1 + random.nextInt(200));
      case 1 -> {
        byte[] b = randomBytes(40);
        b[0] = (byte) (1 + random.nextInt(200)); // not the wire format's magic byte 0
        yield b;
      }
      case 2 -> ByteBuffer.allocate(45).put((byte) 0).putInt(1_000_000 + random.nextInt(1_000_000)).put(randomBytes(40)).array();
      case 3 -> otherSchema(topic);
      case 4 -> {
        // as large as the topic takes: 2 to 6 MiB where changes of large objects go (8 MiB limit), else
        // 512 to 900 KiB (Kafka's default limit of 1 MiB)
        byte[] b = randomBytes(topic.equals(Topics.RESOURCE_CHANGES) ? (2 << 20) + random.nextInt(4 << 20)
            : (512 << 10) + random.nextInt(388 << 10));
        b[0] = 0;
        yield b;
      }
      default -> randomBytes(10 + random.nextInt(100)); // with a null key
    };
  }

  /** A valid record of another topic's schema: it decodes, but to something the worker does not take. */
  private byte[] otherSchema(String topic) {
    VolumeEventObserved other = VolumeEventObserved.newBuilder().setHeader(events.header(null))
        .setType(dev.lifeboat.events.v1.VolumeEventType.values()[0]).setPvcUid(UUID.randomUUID().toString())
        .setNamespace("chaos").setPvcName("chaos").build();
    String from = topic.equals(Topics.VOLUME_EVENTS) ? Topics.COMMANDS : Topics.VOLUME_EVENTS;
    return serializer.serialize(from, other);
  }

  private Command hostileCommand(int n) {
    String id = "chaos-hostile-" + UUID.randomUUID();
    Object action = switch (n % 8) {
      // a snapshot and an instant: which one?
      case 0 -> Restore.newBuilder().setSnapshotId("20260101T000000Z-000000").setAtTime(Instant.parse("2026-01-01T00:00:00Z")).build();
      // a volume restore to a path outside anything it may write
      case 1 -> Restore.newBuilder().setKind(SnapshotKind.VOLUME).setTargetPath("/etc/../etc/chaos").build();
      // a mapping onto a system namespace
      case 2 -> Restore.newBuilder().setNamespaces(List.of("shop")).setNamespaceMapping(Map.of("shop", "kube-system")).build();
      // a selector that is no selector
      case 3 -> Restore.newBuilder().setLabelSelector("((((app in (").build();
      // a cluster nobody configured
      case 4 -> Restore.newBuilder().setTargetCluster("chaos-" + "x".repeat(300)).build();
      // a snapshot of a volume by a name that is a path
      case 5 -> SnapshotNow.newBuilder().setKind(SnapshotKind.VOLUME).setTarget("../../../../etc/passwd").build();
      // proof of nothing in particular
      case 6 -> VerifyNow.newBuilder().build();
      default -> Cancel.newBuilder().setCommandIdToCancel("no-such-command").build();
    };
    return Command.newBuilder().setHeader(events.header(id)).setCommandId(id).setRequestedBy("chaos")
        .setRequestedAt(Instant.now()).setAction(action).build();
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
