package dev.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Many processes opening one empty bucket at once (a snapshotter and the node agents of a new
 * cluster starting together) end up in one repository, on the real S3 server.
 */
@LifeboatIntegrationTest
class RepositoryCreationIT {
  private final TestStack stack;

  RepositoryCreationIT(TestStack stack) {
    this.stack = stack;
  }

  @Test
  void eightProcessesOpeningOneEmptyBucketAtOnceCreateOneRepositoryAndReadEachOthersSnapshots() throws Exception {
    for (int round = 0; round < 10; round++) {
      String prefix = "create-" + UUID.randomUUID();
      List<BlobStore> stores = new ArrayList<>();
      for (int i = 0; i < RepositoryOpeners.OPENERS; i++) {
        stores.add(stack.primaryStore(prefix)); // a client each, as separate processes have
      }

      List<RepositoryOpeners.Opened> opened = RepositoryOpeners.openAtOnceAndSnapshot(stores);

      RepositoryOpeners.assertOneRepositoryReadableByAll(stack.primaryStore(prefix), opened);
    }
  }
}
