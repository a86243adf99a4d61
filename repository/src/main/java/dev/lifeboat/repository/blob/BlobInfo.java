package dev.lifeboat.repository.blob;

import java.time.Instant;

/** What a store knows of a blob without reading it. {@code key} is relative to the store's prefix. */
public record BlobInfo(String key, long size, Instant lastModified) {}
