package dev.lifeboat.repository.chunk;

import dev.lifeboat.retry.PermanentFailure;

/** A stored chunk does not authenticate or does not hash to its id: it was altered or damaged. */
public class ChunkCorruptedException extends PermanentFailure {
  private final String chunkId;

  public ChunkCorruptedException(String chunkId, String reason, Throwable cause) {
    super("chunk " + chunkId + " is corrupted: " + reason, cause);
    this.chunkId = chunkId;
  }

  public String chunkId() {
    return chunkId;
  }
}
