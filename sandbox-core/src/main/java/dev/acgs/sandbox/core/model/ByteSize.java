package dev.acgs.sandbox.core.model;

import dev.acgs.sandbox.core.InvalidSpecException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A non-negative number of bytes, parsed from forms such as {@code 512m}, {@code 512Mi}, {@code 1g}. */
public record ByteSize(long bytes) implements Comparable<ByteSize> {
  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?)(b?)", Pattern.CASE_INSENSITIVE);

  public ByteSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("byte size must not be negative: " + bytes);
    }
  }

  public static ByteSize ofBytes(long bytes) {
    return new ByteSize(bytes);
  }

  public static ByteSize ofMiB(long mib) {
    return new ByteSize(Math.multiplyExact(mib, 1024L * 1024L));
  }

  /**
   * Parses a size. Units k, m, g, t are binary (1024-based) with or without a trailing {@code i}
   * or {@code b}, as Docker and Kubernetes users write them.
   *
   * @param field the name to report in the error, e.g. {@code --memory}
   */
  public static ByteSize parse(String field, String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new InvalidSpecException(
          field,
          "'" + text + "' is not a size: use a whole number with an optional unit k, m, g or t"
              + " (for example 512m, 512Mi or 1g)");
    }
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    try {
      long value = Long.parseLong(m.group(1));
      if (value > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return new ByteSize(value << shift);
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(field, "'" + text + "' is too large");
    }
  }

  public long mib() {
    return bytes >> 20;
  }

  @Override
  public int compareTo(ByteSize o) {
    return Long.compare(bytes, o.bytes);
  }

  /** Human form, exact where possible: {@code 512Mi}, {@code 1Gi}, {@code 1500}. */
  @Override
  public String toString() {
    String[] units = {"Ti", "Gi", "Mi", "Ki"};
    int[] shifts = {40, 30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes >= unit && bytes % unit == 0) {
        return (bytes / unit) + units[i];
      }
    }
    return Long.toString(bytes);
  }
}
