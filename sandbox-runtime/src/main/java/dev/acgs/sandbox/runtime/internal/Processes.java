package dev.acgs.sandbox.runtime.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Identifies a host process by pid and start time, so a recycled pid is not mistaken for it. */
public final class Processes {
  private Processes() {}

  /** The start time of {@code pid} in clock ticks since boot (field 22 of /proc/PID/stat). */
  public static OptionalLong startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name (field 2) may hold spaces and parentheses: parse after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return OptionalLong.of(Long.parseLong(f[19]));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  public static boolean isAlive(long pid, long startTime) {
    OptionalLong now = startTime(pid);
    return now.isPresent() && now.getAsLong() == startTime;
  }

  public static long self() {
    return ProcessHandle.current().pid();
  }
}
