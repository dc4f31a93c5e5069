package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.cli.commands.Output;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON report every benchmark writes: what ran, where, when, and the figures with raw samples. */
final class Report {
  private Report() {}

  static Map<String, Object> start(String benchmark) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", benchmark);
    report.put("startedAt", Instant.now().toString());
    report.put("machine", Machine.describe());
    return report;
  }

  static void write(Path json, Map<String, Object> report) {
    if (json == null) {
      return;
    }
    try {
      Output.JSON.writeValue(json.toFile(), report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.err.println("wrote " + json);
  }
}
