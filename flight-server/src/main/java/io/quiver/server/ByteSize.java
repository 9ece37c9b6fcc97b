package io.quiver.server;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses human sizes: {@code 512m}, {@code 4g}, {@code 1.5GiB}, {@code 1048576}, {@code 25%} (of
 * RAM).
 */
public final class ByteSize {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

  private ByteSize() {}

  /**
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static long parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.endsWith("%")) {
      double pct = Double.parseDouble(t.substring(0, t.length() - 1));
      if (pct <= 0 || pct > 90) {
        throw new IllegalArgumentException("Memory percentage must be in (0, 90]: " + text);
      }
      return (long) (physicalMemory() * pct / 100);
    }
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "Invalid size '" + text + "' (examples: 512m, 4g, 1.5GiB, 1048576, 25%)");
    }
    double n = Double.parseDouble(m.group(1));
    int shift =
        switch (m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    return (long) (n * (1L << shift));
  }

  /** Total physical memory of the machine, or 4 GiB if the JVM cannot tell. */
  public static long physicalMemory() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return 4L << 30;
  }

  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
