package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.blob.FaultInjectingBlobStore.Fault;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The metered store passes the contract through and counts what a person would ask about. */
class MeteredBlobStoreTest extends BlobStoreConformance {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private FaultInjectingBlobStore faults;

  @Override
  protected BlobStore store() {
    faults = new FaultInjectingBlobStore(new InMemoryBlobStore("test"));
    return new MeteredBlobStore(faults, "primary", registry);
  }

  @Test
  void operationsAreTimedByOperationAndOutcome() {
    blobs.putIfAbsent("chunks/ab", bytes("data"));
    blobs.putIfAbsent("chunks/ab", bytes("data"));
    blobs.get("chunks/ab");
    blobs.get("chunks/none");
    blobs.stat("chunks/none");
    blobs.list("chunks/", info -> {});
    blobs.delete("chunks/ab");
    faults.failNext(BlobOperation.GET, 2, Fault.RETRIABLE).failNext(BlobOperation.OPEN, 1, Fault.PERMANENT);
    assertThatThrownBy(() -> blobs.get("chunks/ab")).isInstanceOf(RetriableFailure.class);
    assertThatThrownBy(() -> blobs.get("chunks/ab")).isInstanceOf(RetriableFailure.class);
    assertThatThrownBy(() -> blobs.open("chunks/ab")).isInstanceOf(PermanentFailure.class);

    assertThat(count("put", "ok")).isEqualTo(1);
    assertThat(count("put", "exists")).isEqualTo(1);
    assertThat(count("get", "ok")).isEqualTo(1);
    assertThat(count("get", "missing")).isEqualTo(1);
    assertThat(count("stat", "missing")).isEqualTo(1);
    assertThat(count("list", "ok")).isEqualTo(1);
    assertThat(count("delete", "ok")).isEqualTo(1);
    assertThat(count("get", "retriable")).isEqualTo(2);
    assertThat(count("open", "permanent")).isEqualTo(1);
    assertThat(registry.get(MeteredBlobStore.OPERATIONS).tags("op", "get", "outcome", "ok").timer()
        .totalTime(TimeUnit.NANOSECONDS)).isPositive();
  }

  @Test
  void bytesWrittenAndReadAreCounted() throws IOException {
    blobs.putIfAbsent("chunks/a", new byte[100]);
    blobs.putIfAbsent("chunks/a", new byte[100]);
    blobs.putIfAbsent("chunks/b", new ByteArrayInputStream(new byte[30]), 30);
    blobs.putIfAbsent("chunks/c", () -> new ByteArrayInputStream(new byte[7]), 7);
    assertThat(byteCount("written")).as("only puts that wrote count").isEqualTo(137);

    blobs.get("chunks/a");
    assertThat(byteCount("read")).isEqualTo(100);
    try (InputStream in = blobs.open("chunks/b").orElseThrow()) {
      in.readNBytes(10);
      assertThat(byteCount("read")).as("counted when the stream is closed").isEqualTo(100);
    }
    assertThat(byteCount("read")).isEqualTo(110);
  }

  private long count(String op, String outcome) {
    Timer timer = registry.find(MeteredBlobStore.OPERATIONS)
        .tags("store", "primary", "op", op, "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  private double byteCount(String direction) {
    Counter counter = registry.get(MeteredBlobStore.BYTES).tags("store", "primary", "direction", direction).counter();
    return counter.count();
  }
}
