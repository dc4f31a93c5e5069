package dev.acgs.sandbox.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's memory as /proc/meminfo tells it. "Used" is MemTotal minus MemAvailable: what the
 * kernel could not hand to a new program without swapping, so page cache of files written by the
 * bench does not count, while sandbox memory (anonymous, tmpfs, shared memory files) does.
 */
record HostMemory(long totalKb, long availableKb) {
  static HostMemory read() {
    try {
      long total = -1;
      long available = -1;
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          total = kb(line);
        } else if (line.startsWith("MemAvailable:")) {
          available = kb(line);
        }
      }
      if (total < 0 || available < 0) {
        throw new IllegalStateException("/proc/meminfo has no MemTotal or MemAvailable line");
      }
      return new HostMemory(total, available);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/meminfo", e);
    }
  }

  long usedKb() {
    return totalKb - availableKb;
  }

  double availableMb() {
    return availableKb / 1024.0;
  }

  /** Resident memory of this JVM (VmRSS), so that its own growth can be taken out of a host delta. */
  static long selfRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return kb(line);
        }
      }
      return 0;
    } catch (IOException e) {
      return 0;
    }
  }

  static long kb(String line) {
    String[] f = line.trim().split("\\s+");
    return Long.parseLong(f[1]);
  }
}
