package dev.lifeboat.repository.blob;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import io.micrometer.core.instrument.MeterRegistry;

/** Builds the store a worker uses: S3, measured, retried (retries outermost, so each attempt is measured). */
public final class BlobStores {
  private BlobStores() {}

  public static BlobStore open(StoreConfig config, MeterRegistry meters) {
    return new RetryingBlobStore(new MeteredBlobStore(new S3BlobStore(config), config.name(), meters));
  }
}
