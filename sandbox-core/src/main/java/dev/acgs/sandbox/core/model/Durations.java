package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the short duration forms the CLI and API accept: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(-?\\d+)(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

  private Durations() {}

  /** A bare number means seconds. Zero and negative values are refused. */
  public static Duration parsePositive(String field, String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new InvalidSpecException(
          field, "'" + text + "' is not a duration: use a number with ms, s, m or h (for example 10s or 2m)");
    }
    long value;
    try {
      value = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(field, "'" + text + "' is too large");
    }
    if (value <= 0) {
      throw new InvalidSpecException(field, "must be positive (got " + text + ")");
    }
    String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(value);
      case "m" -> Duration.ofMinutes(value);
      case "h" -> Duration.ofHours(value);
      default -> Duration.ofSeconds(value);
    };
  }

  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
