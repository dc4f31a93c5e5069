package dev.acgs.sandbox.runtime.cgroup;

import dev.acgs.sandbox.runtime.SandboxStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Reads a sandbox's cgroup (v1 hierarchy per controller, or the unified v2 one) and removes what
 * a runtime left after a failure.
 */
public final class Cgroups {
  public static final Path ROOT = Path.of("/sys/fs/cgroup");
  private static final List<String> V1_CONTROLLERS =
      List.of("memory", "cpu,cpuacct", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio", "cpuset",
          "net_cls,net_prio", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc", "systemd");

  private Cgroups() {}

  public static boolean isV2() {
    return Files.exists(ROOT.resolve("cgroup.controllers"));
  }

  /** Reads usage of the cgroup at {@code path} (e.g. {@code /acgs/ID}); missing values read as 0. */
  public static SandboxStats stats(String path) {
    String rel = path.startsWith("/") ? path.substring(1) : path;
    if (isV2()) {
      Path d = ROOT.resolve(rel);
      return new SandboxStats(
          readLong(d.resolve("memory.current")),
          readLong(d.resolve("memory.max")),
          Duration.ofNanos(1000 * keyed(d.resolve("cpu.stat"), "usage_usec")),
          readLong(d.resolve("pids.current")),
          keyed(d.resolve("memory.events"), "oom_kill"),
          keyed(d.resolve("pids.events"), "max"));
    }
    Path mem = ROOT.resolve("memory").resolve(rel);
    Path cpu = ROOT.resolve("cpuacct").resolve(rel);
    return new SandboxStats(
        readLong(mem.resolve("memory.usage_in_bytes")),
        readLong(mem.resolve("memory.limit_in_bytes")),
        Duration.ofNanos(readLong(cpu.resolve("cpuacct.usage"))),
        readLong(ROOT.resolve("pids").resolve(rel).resolve("pids.current")),
        keyed(mem.resolve("memory.oom_control"), "oom_kill"),
        keyed(ROOT.resolve("pids").resolve(rel).resolve("pids.events"), "max"));
  }

  /** The two counters a command's end is judged by: OOM kills and refused forks. */
  public record LimitEvents(long oomKills, long pidsLimitHits) {}

  /** Reads only the OOM and pids-limit counters: two files, cheap enough for every command. */
  public static LimitEvents limitEvents(String path) {
    String rel = path.startsWith("/") ? path.substring(1) : path;
    if (isV2()) {
      Path d = ROOT.resolve(rel);
      return new LimitEvents(keyed(d.resolve("memory.events"), "oom_kill"), keyed(d.resolve("pids.events"), "max"));
    }
    return new LimitEvents(keyed(ROOT.resolve("memory").resolve(rel).resolve("memory.oom_control"), "oom_kill"),
        keyed(ROOT.resolve("pids").resolve(rel).resolve("pids.events"), "max"));
  }

  /** Removes the (empty) cgroup directories of {@code path} in every hierarchy; ignores missing ones. */
  public static void removeQuietly(String path) {
    String rel = path.startsWith("/") ? path.substring(1) : path;
    if (isV2()) {
      rmdir(ROOT.resolve(rel));
      return;
    }
    for (String c : V1_CONTROLLERS) {
      rmdir(ROOT.resolve(c).resolve(rel));
    }
  }

  /** True if a directory for {@code path} exists in any hierarchy: a leak after removal. */
  public static boolean exists(String path) {
    String rel = path.startsWith("/") ? path.substring(1) : path;
    if (isV2()) {
      return Files.isDirectory(ROOT.resolve(rel));
    }
    return V1_CONTROLLERS.stream().anyMatch(c -> Files.isDirectory(ROOT.resolve(c).resolve(rel)));
  }

  private static void rmdir(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // not empty or busy: the runtime still holds it; reported by exists() checks
    }
  }

  static long readLong(Path p) {
    try {
      String s = Files.readString(p).strip();
      return s.equals("max") ? Long.MAX_VALUE : Long.parseLong(s);
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  static long keyed(Path p, String key) {
    try {
      for (String line : Files.readAllLines(p)) {
        String[] f = line.split("\\s+");
        if (f.length == 2 && f[0].equals(key)) {
          return Long.parseLong(f[1]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
