package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.cli.commands.VersionCommand;
import dev.acgs.sandbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a benchmark ran on, recorded in every JSON report. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("cpuModel", grep("/proc/cpuinfo", "model name"));
    m.put("memTotal", grep("/proc/meminfo", "MemTotal"));
    m.put("kernel", System.getProperty("os.version"));
    m.put("java", Runtime.version().toString());
    Map<String, String> versions = new LinkedHashMap<>();
    for (RuntimeKind k : RuntimeKind.local()) {
      versions.put(k.binary(), VersionCommand.runtimeVersion(k));
    }
    m.put("runtimes", versions);
    return m;
  }

  private static String grep(String file, String key) {
    try {
      return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(key))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}
