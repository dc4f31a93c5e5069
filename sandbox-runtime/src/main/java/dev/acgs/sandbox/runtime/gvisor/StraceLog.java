package dev.acgs.sandbox.runtime.gvisor;

import dev.acgs.sandbox.core.seccomp.Syscalls;
import dev.acgs.sandbox.runtime.SandboxFailedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learn mode's source: with {@code --strace} the Sentry writes each call's entry to the sandbox's
 * boot log as {@code [ tgid: tid] comm E name(args...)}. Only x86_64 names the syscall table knows
 * are kept (the Sentry writes {@code sys_N} for numbers it has no name for; those are mapped back).
 */
final class StraceLog {
  static final Pattern ENTRY = Pattern.compile("\\[\\s*\\d+:\\s*\\d+\\] .{0,64}? E (\\w+)\\(");
  private static final Pattern UNNAMED = Pattern.compile("sys_(\\d+)");

  private StraceLog() {}

  static SortedSet<String> syscalls(Path logDir) {
    SortedSet<String> names = new TreeSet<>();
    try (var files = Files.list(logDir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".boot.txt")).toList()) {
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          String line;
          while ((line = in.readLine()) != null) {
            if (line.indexOf(" E ") < 0) {
              continue;
            }
            Matcher m = ENTRY.matcher(line);
            if (m.find()) {
              String name = canonical(m.group(1));
              if (name != null) {
                names.add(name);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new SandboxFailedException("cannot read the recorded calls in " + logDir + ": " + e.getMessage(), e);
    }
    return names;
  }

  private static String canonical(String name) {
    if (Syscalls.exists(name)) {
      return name;
    }
    Matcher m = UNNAMED.matcher(name);
    return m.matches() ? Syscalls.name(Integer.parseInt(m.group(1))).orElse(null) : null;
  }
}
