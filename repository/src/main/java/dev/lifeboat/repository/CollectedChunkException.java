package dev.lifeboat.repository;

import dev.lifeboat.retry.RetriableFailure;

/**
 * A manifest about to be written, or just written and withdrawn, names a chunk that garbage
 * collection deleted, or is deleting, while the snapshot ran: the snapshot took the chunk as stored
 * before the collection planned it and ran past the collection's safety delay. No manifest is left
 * naming it. Retriable: the snapshot taken again finds the chunk missing and stores it afresh.
 */
public final class CollectedChunkException extends RetriableFailure {
  private final String chunkId;

  public CollectedChunkException(String chunkId, String message) {
    super(message);
    this.chunkId = chunkId;
  }

  /** The first chunk found deleted or being deleted. */
  public String chunkId() {
    return chunkId;
  }
}
