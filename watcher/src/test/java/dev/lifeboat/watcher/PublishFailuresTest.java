package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import dev.lifeboat.kube.ObjectIdentity;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.DeadLetterPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** An object the watcher cannot publish is dead-lettered by the runtime's reporter, without its content. */
class PublishFailuresTest {
  private static final WatchedKind SECRETS = new WatchedKind("", "v1", "Secret", "secrets", true);

  @Test
  void anErrorWhoseMessageCouldQuoteTheObjectIsNamedByItsClassAloneInTheDeadLetter() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    PublishFailures failures = new PublishFailures(new Health(Clock.systemUTC()), null, new WatcherMetrics(meters),
        Clock.systemUTC());
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    failures.attach(new RecordSink() {
      @Override
      public CompletableFuture<Void> send(String topic, String key, Object value) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<Void> sendRaw(ProducerRecord<byte[], byte[]> record) {
        sent.add(record);
        return CompletableFuture.completedFuture(null);
      }
    }, () -> 0);

    ObjectIdentity id = new ObjectIdentity("c1", "ns", "", "Secret", "db");
    failures.unprocessable(SECRETS, id, "hash",
        new JsonParseException(null, "Unexpected character in 'password: hunter2'"));

    assertThat(sent).singleElement().satisfies(dead -> {
      assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(id.key());
      assertThat(dead.value()).isNull();
      assertThat(header(dead, DeadLetterPublisher.HEADER_ERROR)).isEqualTo(JsonParseException.class.getName());
      assertThat(header(dead, DeadLetterPublisher.HEADER_WORKER)).isEqualTo("watcher");
      dead.headers().forEach(h -> assertThat(new String(h.value(), StandardCharsets.UTF_8)).doesNotContain("hunter2"));
    });
    assertThat(meters.counter("lifeboat.dead.letters", "worker", "watcher").count()).isEqualTo(1);
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
