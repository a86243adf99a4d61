package dev.lifeboat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time (user + system) of a process on this machine, as {@code /proc/PID/stat} has it: what
 * each of the processes in a benchmark spends, so a comparison shows where the cores went and not
 * only how long it took. A child process this JVM has waited for (a peer tool run as a command) is
 * counted in {@link #waitedForChildren}.
 */
final class ProcessCpu {
  /** Clock ticks per second of {@code /proc}'s times: 100 on every Linux this project runs on. */
  private static final double TICKS = 100.0;

  private ProcessCpu() {}

  /** CPU seconds the process has used so far. */
  static double of(long pid) {
    String[] f = fields(pid);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
  }

  /** CPU seconds this JVM has used so far. */
  static double self() {
    return of(ProcessHandle.current().pid());
  }

  /** CPU seconds of this JVM's children that have ended and been waited for. */
  static double waitedForChildren() {
    String[] f = fields(ProcessHandle.current().pid());
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;
  }

  /** The fields after the command name (which may hold spaces): index 0 is the state, field 3 of proc(5). */
  private static String[] fields(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
    }
  }
}
