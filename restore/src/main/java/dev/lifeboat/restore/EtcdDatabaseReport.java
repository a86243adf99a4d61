package dev.lifeboat.restore;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An etcd snapshot's database written to a file, as {@code etcdctl snapshot restore} takes it.
 *
 * @param file where it is (0600, synced, its directory entry too)
 * @param sha256 its SHA-256, the manifest's (anything else fails the restore and leaves no file)
 * @param chunks chunks read (each authenticated)
 */
public record EtcdDatabaseReport(String snapshotId, Path file, long bytes, String sha256, int chunks, Duration duration) {}
