package dev.lifeboat.commands;

/** Where long work says how far it got; the commands worker turns it into PROGRESSING audit events. */
@FunctionalInterface
public interface Progress {
  Progress NONE = (done, total, unit) -> {};

  /**
   * @param total null when not known
   * @param unit objects, bytes, files, keys
   */
  void report(long done, Long total, String unit);
}
