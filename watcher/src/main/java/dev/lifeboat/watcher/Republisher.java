package dev.lifeboat.watcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.kube.ObjectIdentity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works off the {@link Backlog} on a thread of its own: for each waiting object, once the sink has
 * room (and after a backoff while Kafka refuses), its current state, read from the API, is
 * published, or its deletion when the API no longer has it (404). An object of a kind no longer watched
 * is dropped: when its kind is watched again, the first list publishes whatever differs.
 */
public final class Republisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Republisher.class);
  private static final Duration WAIT = Duration.ofSeconds(1);

  /** Where the republisher reads objects' current states: the API. */
  public interface Cache {
    /** The object as the API holds it now: a lookup of {@code found == false} when it is gone. Null when the kind is not watched. */
    Lookup current(WatchedKind kind, ObjectIdentity id);
  }

  /**
   * What the API says about one object. {@code stillCurrent} is asked under the object's lock just
   * before the lookup is published: false if the watch has seen a newer state of the object since it
   * was read (it is then read again).
   */
  public record Lookup(boolean found, JsonNode object, BooleanSupplier stillCurrent) {
    public static final Lookup GONE = new Lookup(false, null);

    public Lookup(boolean found, JsonNode object) {
      this(found, object, () -> true);
    }
  }

  private final ResourceChangePublisher publisher;
  private final RecordSink sink;
  private final PublishFailures failures;
  private final Cache cache;
  private final Thread thread;
  private volatile boolean closed;

  public Republisher(ResourceChangePublisher publisher, RecordSink sink, PublishFailures failures, Cache cache) {
    this.publisher = publisher;
    this.sink = sink;
    this.failures = failures;
    this.cache = cache;
    this.thread = new Thread(this::run, "lifeboat-watcher-republisher");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void run() {
    while (!closed) {
      try {
        step();
      } catch (InterruptedException e) {
        return;
      } catch (KubernetesClientException e) {
        // the API is away or refuses the read: the object stays in the backlog
        log.warn("Cannot read an object of the backlog from the API, trying again: {}", e.toString());
        pause(WAIT);
      } catch (RuntimeException e) {
        // never let the thread die: the backlog would never drain
        log.error("Publishing the backlog failed, trying again: {}", e.toString(), e);
        pause(WAIT);
      }
    }
  }

  private void step() throws InterruptedException {
    Backlog.Item item = publisher.backlog().peek(WAIT);
    if (item == null) {
      failures.drained();
      return;
    }
    Duration backoff = failures.backoff();
    if (!backoff.isZero()) {
      Thread.sleep(backoff.toMillis());
    }
    if (!sink.awaitRoom(WAIT)) {
      return;
    }
    Lookup lookup = cache.current(item.kind(), ObjectIdentity.parse(item.key()));
    if (lookup == null) {
      publisher.forget(item);
      return;
    }
    publisher.republish(item, lookup.found() ? Optional.of(lookup.object()) : Optional.empty(), lookup.stillCurrent());
  }

  private void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
