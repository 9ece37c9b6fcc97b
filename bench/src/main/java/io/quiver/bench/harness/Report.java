package io.quiver.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns summaries into the targets and a Markdown report. Pure functions of their inputs,
 * so they are tested on fixed numbers.
 */
public final class Report {
  static final String WARM = "quiver-warm";
  static final String COLD = "quiver-cold";
  static final String SOL = "speed-of-light";
  static final String JAVA = "direct-java";
  static final String NATIVE_S3 = "direct-native-s3";
  static final String SHAPED = "@s3-shaped";
  static final String FULL = "full";
  static final List<String> PROJECTIONS = List.of("proj1", "proj4");

  private Report() {}

  private static Optional<Summary> find(List<Summary> s, String contender, String workload) {
    return s.stream()
        .filter(x -> x.contender().equals(contender) && x.workload().equals(workload))
        .findFirst();
  }

  private static double wall(List<Summary> s, String contender, String workload) {
    return find(s, contender, workload).map(Summary::wallMedianSeconds).orElse(Double.NaN);
  }

  /**
   * The targets.
   *
   * @param quiverPeakRss peak RSS of the Quiver server process in bytes, or -1
   * @param cacheCapacity the Quiver server's cache capacity in bytes
   */
  public static List<Target> targets(List<Summary> s, long quiverPeakRss, long cacheCapacity) {
    List<Target> t = new ArrayList<>();
    double warmFull = wall(s, WARM, FULL);
    double solMbps = find(s, SOL, FULL).map(Summary::megabytesPerSecond).orElse(Double.NaN);
    double warmMbps = find(s, WARM, FULL).map(Summary::megabytesPerSecond).orElse(Double.NaN);
    t.add(
        Target.of(
            "warm full scan ≥ 0.85× speed of light (MB/s)",
            warmMbps / solMbps,
            0.85,
            true,
            "MB/s quiver-warm / MB/s speed-of-light, full scan"));
    t.add(
        Target.of(
            "warm ≥ 3× direct Java read, loopback",
            wall(s, JAVA, FULL) / warmFull,
            3,
            true,
            "median time direct-java / quiver-warm, full scan"));
    t.add(
        Target.of(
            "warm ≥ 4× direct Java read, S3-shaped",
            wall(s, JAVA + SHAPED, FULL) / warmFull,
            4,
            true,
            "median time direct-java@s3-shaped / quiver-warm, full scan"));
    t.add(
        Target.of(
            "warm ≥ 1.3× direct native read, S3-shaped",
            wall(s, NATIVE_S3 + SHAPED, FULL) / warmFull,
            1.3,
            true,
            "median time direct-native-s3@s3-shaped / quiver-warm, full scan"));
    for (String p : PROJECTIONS) {
      double warmP = wall(s, WARM, p);
      t.add(
          Target.of(
              "warm " + p + " ≥ 4× faster than warm Alluxio, short-circuit off",
              wall(s, "alluxio-sc-off-warm", p) / warmP,
              4,
              true,
              "median time alluxio-sc-off-warm / quiver-warm, " + p));
      t.add(
          Target.of(
              "warm " + p + " faster than warm Alluxio, short-circuit on",
              wall(s, "alluxio-sc-on-warm", p) / warmP,
              1,
              true,
              true,
              "median time alluxio-sc-on-warm / quiver-warm, " + p));
    }
    for (String suffix : List.of("", SHAPED)) {
      t.add(
          Target.of(
              "cold ≤ 1.10× direct Java read (same decoder)"
                  + (suffix.isEmpty() ? ", loopback" : ", S3-shaped"),
              wall(s, COLD + suffix, FULL) / wall(s, JAVA + suffix, FULL),
              1.10,
              false,
              "median time quiver-cold" + suffix + " / direct-java" + suffix + ", full scan"));
    }
    for (String p : PROJECTIONS) {
      double fraction =
          find(s, WARM, p).map(x -> (double) x.arrowBytes()).orElse(Double.NaN)
              / find(s, WARM, FULL).map(x -> (double) x.arrowBytes()).orElse(Double.NaN);
      t.add(
          Target.of(
              "warm " + p + " time ≤ 1.2× (byte fraction × full scan time)",
              wall(s, WARM, p) / (fraction * warmFull),
              1.2,
              false,
              String.format(
                  Locale.ROOT,
                  "median time quiver-warm %s / (%.3f × quiver-warm full)",
                  p,
                  fraction)));
    }
    double rssBound = cacheCapacity + (512L << 20);
    t.add(
        Target.of(
            "server RSS ≤ cache capacity + 512 MiB",
            quiverPeakRss < 0 ? Double.NaN : quiverPeakRss / rssBound,
            1,
            false,
            String.format(
                Locale.ROOT,
                "peak RSS (VmHWM) %s / (%s + 512 MiB)",
                mib(quiverPeakRss),
                mib(cacheCapacity))));
    return t;
  }

  static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }

  private static String num(double v, String fmt) {
    return Double.isNaN(v) || v < 0 ? "n/a" : String.format(Locale.ROOT, fmt, v);
  }

  /** The Markdown report. */
  public static String markdown(BenchResults r, List<String> charts) {
    StringBuilder md = new StringBuilder();
    md.append("# Quiver benchmark ").append(r.startedAt()).append("\n\n");
    md.append("## Configuration\n\n");
    r.config().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\n## Targets\n\n| target | value | bound | status | how |\n|---|---|---|---|---|\n");
    for (Target t : r.targets()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s %s | **%s** | %s |%n",
              t.name(),
              num(t.value(), "%.2f"),
              t.atLeast() ? "≥" : "≤",
              num(t.threshold(), "%.2f"),
              t.status(),
              t.detail()));
    }
    md.append("\n## Results (medians over repetitions)\n\n");
    md.append(
        "| workload | contender | runs | median s | min–max s | IQR s | MB/s | Mrows/s | client"
            + " CPU s/GB | server CPU s/GB | storage MB read | p50 ms | p99 ms | req/s |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<Summary> sorted = new ArrayList<>(r.summaries());
    sorted.sort(
        (a, b) ->
            a.workload().equals(b.workload())
                ? Double.compare(a.wallMedianSeconds(), b.wallMedianSeconds())
                : 0);
    for (String w : workloads(r.summaries())) {
      for (Summary s : sorted) {
        if (!s.workload().equals(w)) {
          continue;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %d | %s | %s–%s | %s–%s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                s.workload(),
                s.contender(),
                s.runs(),
                num(s.wallMedianSeconds(), "%.3f"),
                num(s.wallMinSeconds(), "%.3f"),
                num(s.wallMaxSeconds(), "%.3f"),
                num(s.wallP25Seconds(), "%.3f"),
                num(s.wallP75Seconds(), "%.3f"),
                num(s.megabytesPerSecond(), "%.0f"),
                num(s.rowsPerSecond() / 1e6, "%.2f"),
                num(s.clientCpuSecondsPerGb(), "%.2f"),
                num(s.serverCpuSecondsPerGb(), "%.2f"),
                s.storageBytesRead() < 0 ? "n/a" : num(s.storageBytesRead() / 1e6, "%.1f"),
                num(s.latencyP50Millis(), "%.1f"),
                num(s.latencyP99Millis(), "%.1f"),
                num(s.requestsPerSecond(), "%.0f")));
      }
    }
    md.append(
        "\n## Ratios: how many times faster Quiver is (median time other / median time Quiver)\n\n");
    for (String q : List.of(WARM, COLD)) {
      md.append("### ").append(q).append("\n\n| workload | vs | ratio |\n|---|---|---|\n");
      for (Summary s : r.summaries()) {
        if (s.contender().startsWith("quiver")) {
          continue;
        }
        double mine = wall(r.summaries(), q, s.workload());
        if (Double.isNaN(mine)) {
          continue;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s× |%n",
                s.workload(),
                s.contender(),
                num(s.wallMedianSeconds() / mine, "%.2f")));
      }
      md.append('\n');
    }
    md.append("## Servers\n\n");
    for (Map.Entry<String, Map<String, Object>> e : r.servers().entrySet()) {
      md.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    if (!r.failures().isEmpty()) {
      md.append("\n## Contenders that failed\n\n");
      r.failures().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    }
    if (!r.notes().isEmpty()) {
      md.append("\n## Notes\n\n");
      r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
    }
    if (!charts.isEmpty()) {
      md.append("\n## Charts\n\n");
      charts.forEach(c -> md.append("![").append(c).append("](").append(c).append(")\n\n"));
    }
    return md.toString();
  }

  static List<String> workloads(List<Summary> s) {
    return s.stream().map(Summary::workload).distinct().toList();
  }
}
