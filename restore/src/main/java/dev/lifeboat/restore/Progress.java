package dev.lifeboat.restore;

/**
 * Where a restore reports how far it got, as it goes: objects (or files, or keys) done of the total,
 * and bytes done of the total where bytes are what takes time. Called from the restoring threads;
 * implementations must be thread-safe and quick.
 */
@FunctionalInterface
public interface Progress {

  /** Ignores every update. */
  Progress NONE = update -> {};

  void report(Update update);

  /**
   * One step of a restore.
   *
   * @param stage {@code reading}, {@code restoring}, {@code waiting} (for CRDs), {@code checking}
   * @param unit what {@code done} counts: objects, files, keys
   * @param total -1 when not known yet
   * @param bytesTotal -1 when bytes are not what is counted
   * @param finished the last update of the restore
   */
  record Update(String stage, long done, long total, String unit, long bytesDone, long bytesTotal, boolean finished) {
    public static Update of(String stage, long done, long total, String unit) {
      return new Update(stage, done, total, unit, 0, -1, false);
    }

    public Update withBytes(long bytesDoneSoFar, long bytesInAll) {
      return new Update(stage, done, total, unit, bytesDoneSoFar, bytesInAll, finished);
    }

    public Update last() {
      return new Update(stage, done, total, unit, bytesDone, bytesTotal, true);
    }
  }
}
