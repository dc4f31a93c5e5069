package dev.acgs.sandbox.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A latency CDF as a self-contained SVG: one step line per series, x in milliseconds, y the share
 * of samples at or below. Written by hand (a few dozen elements) so that the chart needs no
 * plotting dependency and renders on GitHub as it is.
 */
final class CdfChart {
  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
  private static final int W = 720;
  private static final int H = 420;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  private final String title;
  private final Map<String, double[]> series = new LinkedHashMap<>();

  CdfChart(String title) {
    this.title = title;
  }

  CdfChart add(String name, List<Double> samplesMs) {
    series.put(name, samplesMs.stream().mapToDouble(Double::doubleValue).sorted().toArray());
    return this;
  }

  void write(Path file) {
    try {
      Files.writeString(file, render());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chart to " + file, e);
    }
    System.err.println("wrote " + file);
  }

  String render() {
    double max = series.values().stream().filter(a -> a.length > 0).mapToDouble(a -> a[a.length - 1]).max().orElse(1);
    double xMax = niceCeiling(max);
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        W, H, W, H));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
    for (int i = 0; i <= 10; i++) {
      double x = xMax * i / 10;
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          px(x, xMax), TOP, px(x, xMax), H - BOTTOM, px(x, xMax), H - BOTTOM + 16, label(x)));
    }
    for (int i = 0; i <= 4; i++) {
      double q = i / 4.0;
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>%n",
          LEFT, py(q), W - RIGHT, py(q), LEFT - 6, py(q) + 4, i * 25));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">milliseconds</text>%n",
        (LEFT + W - RIGHT) / 2, H - 12));
    int c = 0;
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      String colour = COLOURS[c % COLOURS.length];
      double[] s = e.getValue();
      StringBuilder path = new StringBuilder();
      path.append(String.format(Locale.ROOT, "M%.1f %.1f", px(s.length > 0 ? s[0] : 0, xMax), py(0)));
      for (int i = 0; i < s.length; i++) {
        path.append(String.format(Locale.ROOT, " V%.1f H%.1f", py((double) i / s.length), px(s[i], xMax)));
        path.append(String.format(Locale.ROOT, " V%.1f", py((double) (i + 1) / s.length)));
      }
      svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, colour));
      // bottom right: below every curve's tail, where a CDF has already climbed to the top
      int ly = H - BOTTOM - 12 - 18 * (series.size() - 1 - c);
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s (n=%d, P50 %s, P95 %s ms)</text>%n",
          W - RIGHT - 330, ly - 5, colour, W - RIGHT - 310, ly, escape(e.getKey()), s.length,
          label(nearestRank(s, 50)), label(nearestRank(s, 95))));
      c++;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static double nearestRank(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double px(double ms, double xMax) {
    return LEFT + ms / xMax * (W - LEFT - RIGHT);
  }

  private static double py(double share) {
    return H - BOTTOM - share * (H - TOP - BOTTOM);
  }

  /** A round multiple of a power of ten, at or above {@code v}: round tick labels. */
  static double niceCeiling(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1e-9))));
    for (double m : new double[] {1, 1.5, 2, 3, 4, 5, 6, 8, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String label(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
