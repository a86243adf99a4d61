package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

class DemoKeysTest {
  @TempDir Path dataDir;

  /** The chaos run starts every worker at once, each making the demo's keys if they are missing. */
  @RepeatedTest(5)
  void processesMakingTheKeysAtOnceAllGetTheSameOwnerOnlyKey() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<byte[]>> keys = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      keys.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return DemoKeys.masterKey(dataDir);
      }, runnable -> new Thread(runnable).start()));
    }
    go.countDown();

    byte[] first = keys.get(0).get();
    for (CompletableFuture<byte[]> key : keys) {
      assertThat(key.get()).isEqualTo(first);
    }
    Path file = dataDir.resolve("keys").resolve("repository-master.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (var left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }
}
