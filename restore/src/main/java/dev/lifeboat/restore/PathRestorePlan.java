package dev.lifeboat.restore;

import java.nio.file.Path;

/**
 * What a restore into a path would write, found without writing anything (a dry run): the snapshot
 * and the target were checked as the restore checks them, so a plan is refused for what the restore
 * would refuse.
 *
 * @param files regular files a volume restore writes (files the snapshot itself could not read
 *     excluded); 1 for an etcd database
 * @param bytes their total size
 */
public record PathRestorePlan(String snapshotId, Path target, long files, long bytes) {}
