package dev.lifeboat.repository;

import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.HookingBlobStore;
import dev.lifeboat.repository.blob.SubPrefixBlobStore;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many processes opening one empty bucket at once (a snapshotter and the node agents of a new
 * cluster starting together) end up in one repository, on the real S3 server. Whether writers that
 * race past the existence check overlap on this server is a matter of timing; {@code
 * RepositoryCreationTest} makes the overlap certain on a store that ignores the put's condition.
 */
@LifeboatIntegrationTest
class RepositoryCreationIT {
  private static final int ROUNDS = 5;
  private final TestStack stack;

  RepositoryCreationIT(TestStack stack) {
    this.stack = stack;
  }

  @Test
  void eightProcessesOpeningOneEmptyBucketAtOnceCreateOneRepositoryAndReadEachOthersSnapshots() throws Exception {
    String prefix = "create-" + UUID.randomUUID();
    List<BlobStore> clients = new ArrayList<>();
    for (int i = 0; i < RepositoryOpeners.OPENERS; i++) {
      clients.add(TestStores.primary(stack, prefix)); // a client each, as separate processes have
    }
    for (int round = 0; round < ROUNDS; round++) {
      String empty = "round-" + round;
      // every opener's first put of the config waits for the others', so that they all race for it at once
      CyclicBarrier together = new CyclicBarrier(RepositoryOpeners.OPENERS);
      List<BlobStore> stores = clients.stream().map(c -> (BlobStore) new HookingBlobStore(new SubPrefixBlobStore(c, empty))
          .beforeFirstPut(Repository.CONFIG, () -> await(together))).toList();

      List<RepositoryOpeners.Opened> opened = RepositoryOpeners.openAtOnceAndSnapshot(stores);

      RepositoryOpeners.assertOneRepositoryReadableByAll(stores.get(0), opened);
    }
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("not every opener came to put the config", e);
    }
  }
}
