package dev.lifeboat.repository.testing;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.testing.TestStack;

/** The test stack's S3 servers as blob stores, each test under a prefix of its own. */
public final class TestStores {
  private TestStores() {}

  /** The primary S3 store under {@code prefix} (use a unique prefix per test). */
  public static BlobStore primary(TestStack stack, String prefix) {
    return s3(stack.stack().primary(), EmbeddedStack.PRIMARY_BUCKET, prefix);
  }

  /** The off-region S3 store under {@code prefix}. */
  public static BlobStore offsite(TestStack stack, String prefix) {
    return s3(stack.stack().offsite(), EmbeddedStack.OFFSITE_BUCKET, prefix);
  }

  private static BlobStore s3(EmbeddedS3 s3, String bucket, String prefix) {
    return new S3BlobStore(new StoreConfig(s3.name(), s3.endpoint(), bucket, prefix, s3.accessKey(), s3.secretKey(), null));
  }
}
