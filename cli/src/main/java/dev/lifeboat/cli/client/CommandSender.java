package dev.lifeboat.cli.client;

import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Puts a command on {@code lifeboat.commands}, keyed by a new command id, and waits for the broker to take it. */
public final class CommandSender {
  private CommandSender() {}

  /** The user the command is recorded as coming from: {@code user@host} when the host is known. */
  public static String currentUser() {
    String user = System.getProperty("user.name", "unknown");
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? user : user + "@" + host;
  }

  /** @return the command id */
  public static String send(Connection connection, Object action, String requestedBy) throws Exception {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    Command command = Command.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(now)
            .setCluster(connection.cluster()).setSource("cli").setCorrelationId(id).build())
        .setCommandId(id).setRequestedBy(requestedBy).setRequestedAt(now).setAction(action).build();
    byte[] value = new AvroSerializer<>(connection.registry()).serialize(Topics.COMMANDS, command);
    try (KafkaProducer<byte[], byte[]> producer = connection.kafka().producer("lifeboat-cli")) {
      producer.send(new ProducerRecord<>(Topics.COMMANDS, id.getBytes(StandardCharsets.UTF_8), value)).get(30, TimeUnit.SECONDS);
    }
    return id;
  }
}
