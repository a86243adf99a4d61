package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.blob.FaultInjectingBlobStore.Fault;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Retries over a store whose failures are injected, with time under the test's control. */
class RetryingBlobStoreTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<Duration> waits = new ArrayList<>();
  private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.0, Duration.ofSeconds(10));
  private final Retry retry = new Retry(policy, clock, clock.recordingSleeper(waits));
  private final InMemoryBlobStore memory = new InMemoryBlobStore("test", clock);
  private final FaultInjectingBlobStore faults = new FaultInjectingBlobStore(memory, clock::advance);
  private final RetryingBlobStore store = new RetryingBlobStore(faults, retry);

  @Test
  void retriableFailuresAreRetriedWithBackoffUntilTheCallSucceeds() {
    faults.failNext(BlobOperation.PUT, 3, Fault.RETRIABLE);
    assertThat(store.putIfAbsent("chunks/ab", bytes("data"))).isTrue();
    assertThat(faults.calls(BlobOperation.PUT)).isEqualTo(4);
    assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(memory.get("chunks/ab")).contains(bytes("data"));
  }

  @Test
  void everyOperationIsRetried() {
    memory.putIfAbsent("chunks/ab", bytes("data"));
    for (BlobOperation op : BlobOperation.values()) {
      faults.failNext(op, 1, Fault.RETRIABLE);
    }
    assertThat(store.putIfAbsent("chunks/cd", bytes("more"))).isTrue();
    assertThat(store.get("chunks/ab")).contains(bytes("data"));
    assertThat(store.getRange("chunks/ab", 1, 2)).contains(bytes("at"));
    assertThat(store.open("chunks/ab")).isPresent();
    assertThat(store.stat("chunks/ab")).isPresent();
    List<String> keys = new ArrayList<>();
    store.list("chunks/", info -> keys.add(info.key()));
    assertThat(keys).containsExactly("chunks/ab", "chunks/cd");
    store.delete("chunks/cd");
    assertThat(memory.stat("chunks/cd")).isEmpty();
    for (BlobOperation op : BlobOperation.values()) {
      assertThat(faults.calls(op)).as(op.tag()).isEqualTo(2);
    }
  }

  @Test
  void permanentFailuresAreNotRetried() {
    faults.failNext(BlobOperation.GET, 1, Fault.PERMANENT);
    assertThatThrownBy(() -> store.get("chunks/ab"))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("get chunks/ab in memory:test")
        .hasMessageContaining("AccessDenied");
    assertThat(faults.calls(BlobOperation.GET)).isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void aMissingBlobIsAnAnswerNotAFailure() {
    assertThat(store.get("chunks/none")).isEmpty();
    assertThat(store.stat("chunks/none")).isEmpty();
    assertThat(faults.calls(BlobOperation.GET)).isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void retriesGiveUpAtTheDeadlineWithTheLastFailure() {
    faults.failAll(Fault.RETRIABLE).delay(BlobOperation.STAT, Duration.ofSeconds(1));
    Instant start = clock.instant();
    assertThatThrownBy(() -> store.stat("chunks/ab"))
        .isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("stat chunks/ab in memory:test: still failing after")
        .hasMessageContaining("SlowDown");
    Duration elapsed = Duration.between(start, clock.instant());
    assertThat(elapsed).isLessThanOrEqualTo(policy.deadline().plusSeconds(1));
    // each attempt takes 1 s and fails; the waits between them are 100, 200, 400, 800 and 1,600 ms, so the
    // sixth attempt fails at 9.1 s and the next 2 s wait would end past the 10 s deadline
    assertThat(faults.calls(BlobOperation.STAT)).isEqualTo(6);
    assertThat(waits).hasSize(5);
  }

  @Test
  void aLostPutReplyIsRetriedAndTheBlobIsStoredOnce() {
    faults.failNext(BlobOperation.PUT, 1, Fault.LOST_REPLY);
    assertThat(store.putIfAbsent("chunks/ab", bytes("data")))
        .as("the first attempt wrote it; the second finds it there")
        .isFalse();
    assertThat(memory.get("chunks/ab")).contains(bytes("data"));
    assertThat(faults.calls(BlobOperation.PUT)).isEqualTo(2);
  }

  @Test
  void aStreamPutIsRetriedWhileNothingWasReadFromTheStream() {
    faults.failNext(BlobOperation.PUT, 2, Fault.RETRIABLE);
    assertThat(store.putIfAbsent("chunks/ab", new ByteArrayInputStream(bytes("data")), 4)).isTrue();
    assertThat(memory.get("chunks/ab")).contains(bytes("data"));
  }

  @Test
  void aStreamPutIsNotRetriedOnceTheStreamWasRead() {
    AtomicInteger attempts = new AtomicInteger();
    BlobStore failsMidUpload = new InMemoryBlobStore("test") {
      @Override
      public boolean putIfAbsent(String key, InputStream data, long length) {
        attempts.incrementAndGet();
        readQuietly(data, 2);
        throw new RetriableFailure("put " + key + ": connection reset");
      }
    };
    BlobStore retrying = new RetryingBlobStore(failsMidUpload, retry);
    assertThatThrownBy(() -> retrying.putIfAbsent("chunks/ab", new ByteArrayInputStream(bytes("data")), 4))
        .isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("not retried, 2 bytes of the stream were already read")
        .hasMessageContaining("connection reset");
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aSourcePutOpensTheSourceAgainForEveryAttempt() {
    AtomicInteger failures = new AtomicInteger(2);
    BlobStore failsMidUpload = new InMemoryBlobStore("test") {
      @Override
      public boolean putIfAbsent(String key, InputStream data, long length) {
        if (failures.getAndDecrement() > 0) {
          readQuietly(data, 2);
          throw new RetriableFailure("put " + key + ": connection reset");
        }
        return super.putIfAbsent(key, data, length);
      }
    };
    AtomicInteger opened = new AtomicInteger();
    BlobStore retrying = new RetryingBlobStore(failsMidUpload, retry);
    assertThat(retrying.putIfAbsent("chunks/ab", () -> {
      opened.incrementAndGet();
      return new ByteArrayInputStream(bytes("data"));
    }, 4)).isTrue();
    assertThat(opened).hasValue(3);
    assertThat(failsMidUpload.get("chunks/ab")).contains(bytes("data"));
  }

  @Test
  void aMissingSourceIsNotRetried() {
    AtomicInteger opened = new AtomicInteger();
    assertThatThrownBy(() -> store.putIfAbsent("volumes/v1", () -> {
      opened.incrementAndGet();
      throw new NoSuchFileException("/var/lib/lifeboat/v1.img");
    }, 4)).isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("volumes/v1")
        .hasMessageContaining("/var/lib/lifeboat/v1.img");
    assertThat(opened).hasValue(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void aListingThatFailsPartWayResumesAfterTheLastKeyDelivered() {
    AtomicInteger listings = new AtomicInteger();
    InMemoryBlobStore failsAfterTwo = new InMemoryBlobStore("test") {
      @Override
      public void list(String prefix, Consumer<BlobInfo> each) {
        boolean first = listings.incrementAndGet() == 1;
        AtomicInteger delivered = new AtomicInteger();
        super.list(prefix, info -> {
          if (first && delivered.incrementAndGet() > 2) {
            throw new RetriableFailure("list " + prefix + ": connection reset");
          }
          each.accept(info);
        });
      }
    };
    for (String key : List.of("k/1", "k/2", "k/3", "k/4")) {
      failsAfterTwo.putIfAbsent(key, bytes(key));
    }
    List<String> keys = new ArrayList<>();
    new RetryingBlobStore(failsAfterTwo, retry).list("k/", info -> keys.add(info.key()));
    assertThat(keys).containsExactly("k/1", "k/2", "k/3", "k/4");
    assertThat(listings).hasValue(2);
  }

  @Test
  void aFailureOfTheListingsConsumerIsNotRetried() {
    memory.putIfAbsent("k/1", bytes("1"));
    UncheckedIOException diskFull = new UncheckedIOException(new IOException("disk full"));
    assertThatThrownBy(() -> store.list("k/", info -> {
      throw diskFull;
    })).isSameAs(diskFull);
    assertThat(faults.calls(BlobOperation.LIST)).isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  private static void readQuietly(InputStream data, int n) {
    try {
      data.readNBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
