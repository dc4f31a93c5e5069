package dev.acgs.sandbox.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host processes that make up a set of sandboxes, found from /proc: any process whose command
 * line names a sandbox id (runsc's sandbox and gofer processes are given the bundle and the id) or
 * whose cgroup is a sandbox's ({@code /acgs/ID}, where runc puts the container's processes), plus
 * all their descendants (gVisor's ptrace stubs are forked by the Sentry and keep its command line
 * only by accident). Summing their PSS counts memory shared between sandboxes (the Go runtime's
 * text, the read-only image's page cache) once in total, split among the sharers.
 */
final class SandboxProcesses {
  private SandboxProcesses() {}

  /** Totals for the processes of {@code ids}. */
  record Usage(int processes, long pssKb, long rssKb) {}

  static Usage of(Collection<String> ids) {
    Set<String> wanted = new HashSet<>(ids);
    Map<Long, Long> parent = new HashMap<>();
    Set<Long> roots = new HashSet<>();
    for (long pid : pids()) {
      String stat = read(pid, "stat");
      if (stat.isEmpty()) {
        continue;
      }
      parent.put(pid, Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]));
      if (namesOneOf(read(pid, "cmdline").replace('\0', ' '), wanted) || inCgroupOf(read(pid, "cgroup"), wanted)) {
        roots.add(pid);
      }
    }
    Map<Long, List<Long>> children = new HashMap<>();
    parent.forEach((c, p) -> children.computeIfAbsent(p, k -> new ArrayList<>()).add(c));
    Set<Long> all = new HashSet<>();
    Deque<Long> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      long p = todo.pop();
      if (all.add(p)) {
        todo.addAll(children.getOrDefault(p, List.of()));
      }
    }
    long pss = 0;
    long rss = 0;
    for (long pid : all) {
      for (String line : read(pid, "smaps_rollup").split("\n")) {
        if (line.startsWith("Pss:")) {
          pss += HostMemory.kb(line);
        } else if (line.startsWith("Rss:")) {
          rss += HostMemory.kb(line);
        }
      }
    }
    return new Usage(all.size(), pss, rss);
  }

  private static boolean namesOneOf(String cmdline, Set<String> ids) {
    for (String word : cmdline.split("[\\s/=]+")) {
      if (ids.contains(word)) {
        return true;
      }
    }
    return false;
  }

  private static boolean inCgroupOf(String cgroup, Set<String> ids) {
    for (String line : cgroup.split("\n")) {
      int at = line.indexOf("/acgs/");
      if (at >= 0 && ids.contains(line.substring(at + 6).split("/")[0])) {
        return true;
      }
    }
    return false;
  }

  private static List<Long> pids() {
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
          .map(Long::parseLong).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list /proc", e);
    }
  }

  /** A /proc file's text, or empty when the process is gone or the file unreadable. */
  private static String read(long pid, String file) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
