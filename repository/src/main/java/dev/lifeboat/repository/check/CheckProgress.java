package dev.lifeboat.repository.check;

/** Where a long check is: told at each step of each phase, so a terminal can draw a bar. */
@FunctionalInterface
public interface CheckProgress {
  CheckProgress NONE = (phase, done, total) -> {};

  /** {@code done} of {@code total} steps of {@code phase} ("index", "packs", "manifests", "read data", ...). */
  void at(String phase, long done, long total);
}
