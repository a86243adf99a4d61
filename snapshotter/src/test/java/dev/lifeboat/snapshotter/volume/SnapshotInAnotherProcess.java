package dev.lifeboat.snapshotter.volume;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobOperation;
import dev.lifeboat.repository.blob.FaultInjectingBlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A volume snapshot in a process of its own, with slow uploads, for a test to kill part-way:
 * {@code ENDPOINT BUCKET PREFIX ACCESS_KEY SECRET_KEY DIRECTORY}.
 */
public final class SnapshotInAnotherProcess {
  public static void main(String[] args) throws Exception {
    FaultInjectingBlobStore store = new FaultInjectingBlobStore(new S3BlobStore(new StoreConfig("primary", args[0], args[1],
        args[2], args[3], args[4], null)));
    store.delay(BlobOperation.PUT, Duration.ofMillis(300));
    Repository repository = Repository.openOrCreate(store, new byte[32], VolumeSnapshotCrashIT.PARAMS, VolumeSnapshotCrashIT.PACK_SIZE,
        new SimpleMeterRegistry());
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    System.out.println("snapshot starting");
    new VolumeSnapshotter(repository, uploads, Clock.systemUTC()).snapshot(Path.of(args[5]), "test", "pvc-crash",
        "20260101T000000Z-000001", n -> {});
    System.out.println("snapshot finished: the test meant to kill it before");
    uploads.shutdown();
  }
}
