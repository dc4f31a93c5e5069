package dev.acgs.sandbox.cli.bench;

import dev.acgs.sandbox.runtime.StartPhases;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Start phases over many starts: one sample series per phase, so that a table shows which step of
 * create-to-ready moves the percentiles. Phase medians do not add up to the total's median; the
 * means do, and are printed for that reason.
 */
final class PhaseTable {
  private final Map<String, Samples> phases = new LinkedHashMap<>();

  void add(StartPhases start) {
    for (Map.Entry<String, Duration> e : start.phases().entrySet()) {
      phases.computeIfAbsent(e.getKey(), k -> new Samples()).add(e.getValue().toNanos() / 1e6);
    }
  }

  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    phases.forEach((k, v) -> {
      Map<String, Object> s = v.summary();
      s.put("meanMs", Samples.round(mean(v)));
      m.put(k, s);
    });
    return m;
  }

  void print(String runtime) {
    double sum = 0;
    for (Map.Entry<String, Samples> e : phases.entrySet()) {
      double mean = mean(e.getValue());
      sum += mean;
      System.out.printf("%-7s   %-12s mean %7.1f  %s%n", runtime, e.getKey(), mean, e.getValue());
    }
    System.out.printf("%-7s   %-12s mean %7.1f%n", runtime, "(sum)", sum);
  }

  private static double mean(Samples s) {
    return s.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }
}
