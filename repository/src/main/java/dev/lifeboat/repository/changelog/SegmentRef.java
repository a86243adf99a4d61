package dev.lifeboat.repository.changelog;

/**
 * A stored change-log segment as its key describes it: the cluster, the partition of {@code
 * lifeboat.resource-changes} and the offsets it covers, {@code firstOffset} to {@code lastOffset}
 * inclusive.
 */
public record SegmentRef(String key, String cluster, int partition, long firstOffset, long lastOffset, long size) {}
