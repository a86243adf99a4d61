package dev.lifeboat.restore;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An etcd snapshot reassembled from the repository and restored into a data directory.
 *
 * @param expectedSha256 the SHA-256 the manifest records for the database
 * @param actualSha256 the SHA-256 of the bytes reassembled (equal, or the restore fails)
 * @param chunks chunks read (each authenticated)
 * @param statusRevision the revision {@code etcdctl snapshot status} reads from the database
 * @param statusTotalKeys the keys it counts (every stored revision of every key, not live keys)
 * @param dataDir where {@code etcdctl snapshot restore} put the member's data
 */
public record EtcdRestoreReport(String snapshotId, long bytes, String expectedSha256, String actualSha256, int chunks,
    long statusRevision, long statusTotalKeys, String statusHash, Path dataDir, Duration duration) {}
