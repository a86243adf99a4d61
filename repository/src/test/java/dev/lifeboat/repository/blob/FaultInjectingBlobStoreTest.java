package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.blob.FaultInjectingBlobStore.Fault;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultInjectingBlobStoreTest {
  private final InMemoryBlobStore memory = new InMemoryBlobStore("test");
  private final List<Duration> slept = new ArrayList<>();
  private final FaultInjectingBlobStore faults = new FaultInjectingBlobStore(memory, slept::add);

  @Test
  void queuedFaultsFailTheNextCallsOfTheirOperationOnly() {
    faults.failNext(BlobOperation.PUT, 1, Fault.RETRIABLE).failNext(BlobOperation.PUT, 1, Fault.PERMANENT);
    assertThatThrownBy(() -> faults.putIfAbsent("k", data())).isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("put k in memory:test");
    assertThat(faults.get("k")).isEmpty();
    assertThatThrownBy(() -> faults.putIfAbsent("k", data())).isInstanceOf(PermanentFailure.class);
    assertThat(faults.putIfAbsent("k", data())).isTrue();
    assertThat(faults.calls(BlobOperation.PUT)).isEqualTo(3);
    assertThat(faults.injected()).isEqualTo(2);
  }

  @Test
  void failedCallsDoNotReachTheStoreButLostRepliesDo() {
    faults.failNext(BlobOperation.PUT, 1, Fault.RETRIABLE);
    assertThatThrownBy(() -> faults.putIfAbsent("k", data())).isInstanceOf(RetriableFailure.class);
    assertThat(memory.stat("k")).isEmpty();

    faults.failNext(BlobOperation.PUT, 1, Fault.LOST_REPLY);
    assertThatThrownBy(() -> faults.putIfAbsent("k", data())).isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("reply was lost");
    assertThat(memory.stat("k")).isPresent();
  }

  @Test
  void anOutageFailsEverythingUntilHealed() {
    faults.failAll(Fault.RETRIABLE);
    assertThatThrownBy(() -> faults.stat("k")).isInstanceOf(RetriableFailure.class);
    assertThatThrownBy(() -> faults.list("", info -> {})).isInstanceOf(RetriableFailure.class);
    assertThatThrownBy(() -> faults.delete("k")).isInstanceOf(RetriableFailure.class);
    faults.heal();
    assertThat(faults.stat("k")).isEmpty();
  }

  @Test
  void periodicFaultsHitEveryNthCall() {
    faults.failEvery(3, Fault.RETRIABLE);
    int failed = 0;
    for (int i = 0; i < 9; i++) {
      try {
        faults.stat("k");
      } catch (RetriableFailure e) {
        failed++;
      }
    }
    assertThat(failed).isEqualTo(3);
  }

  @Test
  void latencyIsAddedBeforeEachCallOfItsOperation() {
    faults.delay(BlobOperation.GET, Duration.ofMillis(250));
    faults.get("k");
    faults.get("k");
    faults.stat("k");
    assertThat(slept).containsExactly(Duration.ofMillis(250), Duration.ofMillis(250));
  }

  private static byte[] data() {
    return "data".getBytes(StandardCharsets.UTF_8);
  }
}
