package dev.lifeboat.repository.blob;

/** The in-memory store that unit tests use behaves like the real ones. */
class InMemoryBlobStoreTest extends BlobStoreConformance {
  @Override
  protected BlobStore store() {
    return new InMemoryBlobStore("test");
  }
}
