package dev.acgs.sandbox.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Latency samples in milliseconds and their nearest-rank percentiles. */
public final class Samples {
  private final List<Double> ms = new ArrayList<>();

  public void add(double millis) {
    ms.add(millis);
  }

  /** The samples in the order they were taken. */
  public List<Double> values() {
    return List.copyOf(ms);
  }

  public int count() {
    return ms.size();
  }

  /** Nearest-rank percentile: the smallest sample at or above p percent of the samples. */
  public double percentile(double p) {
    if (ms.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  public Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", ms.size());
    m.put("p50Ms", round(percentile(50)));
    m.put("p95Ms", round(percentile(95)));
    m.put("p99Ms", round(percentile(99)));
    m.put("maxMs", round(percentile(100)));
    m.put("minMs", round(percentile(0)));
    m.put("samplesMs", ms.stream().map(Samples::round).toList());
    return m;
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  @Override
  public String toString() {
    return String.format("p50 %7.1f  p95 %7.1f  p99 %7.1f  max %7.1f ms", percentile(50), percentile(95),
        percentile(99), percentile(100));
  }
}
