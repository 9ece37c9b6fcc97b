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
  static final String NATIVE_LOCAL = "direct-native-local";
  static final String SHORT_CIRCUIT = ShortCircuitContender.NAME;
  static final String SHAPED = "@s3-shaped";
  static final String FULL = "full";
  static final List<String> PROJECTIONS = List.of("proj1", "proj4");
  static final String SQL_WARM = "quiver-flightsql-warm";
  static final String SQL_COLD_SHAPED = "quiver-flightsql-cold" + SHAPED;
  static final String DUCKDB_LOCAL = "duckdb-local";
  static final String DUCKDB_S3_SHAPED = "duckdb-s3" + SHAPED;

  /** Configuration entries the SQL section shows (not the configuration list). */
  static final List<String> SQL_CONFIG = List.of("sqlQueries", "sqlAnswers", "sqlScanFacts");

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
    double scMbps =
        find(s, SHORT_CIRCUIT, FULL).map(Summary::megabytesPerSecond).orElse(Double.NaN);
    t.add(
        Target.of(
            "warm full scan by a co-located client (short-circuit) ≥ 5 GB/s",
            scMbps / 1000,
            5,
            true,
            "GB/s quiver-short-circuit, full scan (every page touched)"));
    for (String w : List.of(FULL, PROJECTIONS.get(0), PROJECTIONS.get(1))) {
      t.add(
          Target.of(
              "warm " + w + " by a co-located client ≥ 1.5× Arrow C++ on the local Parquet file",
              wall(s, NATIVE_LOCAL, w) / wall(s, SHORT_CIRCUIT, w),
              1.5,
              true,
              "median time " + NATIVE_LOCAL + " / " + SHORT_CIRCUIT + ", " + w));
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
    for (String q : List.of(SqlWorkloads.Q1, SqlWorkloads.Q6)) {
      double warm = wall(s, SQL_WARM, q);
      t.add(
          Target.of(
              "warm Flight SQL " + q + " ≤ 1.0× DuckDB on local Parquet (time)",
              warm / wall(s, DUCKDB_LOCAL, q),
              1.0,
              false,
              "median time " + SQL_WARM + " / " + DUCKDB_LOCAL + ", " + q));
      t.add(
          Target.of(
              "warm Flight SQL " + q + " ≥ 3× faster than DuckDB reading the S3-shaped store",
              wall(s, DUCKDB_S3_SHAPED, q) / warm,
              3,
              true,
              "median time " + DUCKDB_S3_SHAPED + " / " + SQL_WARM + ", " + q));
    }
    for (String c : List.of(SQL_WARM, SQL_COLD_SHAPED)) {
      t.add(
          Target.of(
              "1 % filter on the sort column ≥ 5× faster than without pruning ("
                  + (c.equals(SQL_WARM) ? "warm Flight SQL" : "cold Flight SQL, S3-shaped")
                  + ")",
              wall(s, c, SqlWorkloads.FILTER_NO_PUSHDOWN) / wall(s, c, SqlWorkloads.FILTER),
              5,
              true,
              "median time "
                  + c
                  + ", "
                  + SqlWorkloads.FILTER_NO_PUSHDOWN
                  + " / "
                  + SqlWorkloads.FILTER));
    }
    clientTargets(s, t);
    return t;
  }

  /** The soak's targets: no errors, off-heap within the node's budget, resident memory flat. */
  static List<Target> soakTargets(io.quiver.bench.soak.Soak.Result soak) {
    return List.of(
        Target.of(
            "soak: zero errors",
            soak.totalErrors(),
            0,
            false,
            soak.totalOperations() + " operations by " + soak.clients() + " clients"),
        Target.of(
            "soak: off-heap never above the node's budget",
            soak.offHeapPeakFraction(),
            1.0,
            false,
            "max sampled off-heap bytes / the node's off-heap limit"),
        Target.of(
            "soak: resident memory flat (last third ≤ 1.2× middle third)",
            soak.rssDrift(),
            1.2,
            false,
            "max RSS of the last third of the samples / of the middle third"));
  }

  /** The soak's section of the report: totals, errors, and the samples over time. */
  static String soakMarkdown(io.quiver.bench.soak.Soak.Result soak) {
    StringBuilder b = new StringBuilder("\n## Soak\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%d clients for %.0f s of mixed work (55%% scans of 1-4 random columns, a third of them"
                + " with a range filter; 25%% Flight SQL aggregates; 12%% cache free/pin/unpin; 8%%"
                + " stats): %d operations (%s), %d errors, peak off-heap %.0f%% of the budget,"
                + " RSS drift %.2f.%n%n",
            soak.clients(),
            soak.seconds(),
            soak.totalOperations(),
            soak.operationsByKind(),
            soak.totalErrors(),
            100 * soak.offHeapPeakFraction(),
            soak.rssDrift()));
    if (!soak.errors().isEmpty()) {
      b.append("Errors:\n\n");
      soak.errors().forEach((k, v) -> b.append("- ").append(v).append("× ").append(k).append('\n'));
      b.append('\n');
    }
    b.append("| s | operations | ops/s | errors | rows | off-heap MiB | heap MiB | RSS MiB |\n");
    b.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    long prevOps = 0;
    double prevT = 0;
    for (io.quiver.bench.soak.Soak.Sample x : soak.samples()) {
      double dt = x.seconds() - prevT;
      b.append(
          String.format(
              Locale.ROOT,
              "| %.0f | %d | %.1f | %d | %d | %.0f | %.0f | %.0f |%n",
              x.seconds(),
              x.operations(),
              dt > 0 ? (x.operations() - prevOps) / dt : 0,
              x.errors(),
              x.rowsRead(),
              x.offHeapBytes() / 1048576.0,
              x.heapBytes() / 1048576.0,
              x.rssBytes() / 1048576.0));
      prevOps = x.operations();
      prevT = x.seconds();
    }
    return b.toString();
  }

  /**
   * Spark and pandas through warm Quiver ≥ 3× faster than their own reads of the S3-shaped store.
   */
  private static void clientTargets(List<Summary> s, List<Target> t) {
    String[][] pairs = {
      {"spark-quiver-warm", "spark-s3a@s3-shaped", "spark-count"},
      {"spark-quiver-warm", "spark-s3a@s3-shaped", "spark-groupby4"},
      {"pandas-quiver-warm", "pandas-pyarrow-s3@s3-shaped", "pandas-full"},
      {"pandas-quiver-warm", "pandas-pyarrow-s3@s3-shaped", "pandas-proj4"},
      {"pandas-quiver-warm", "pandas-pyarrow-s3@s3-shaped", "arrow-full"},
      {"pandas-quiver-warm", "pandas-pyarrow-s3@s3-shaped", "arrow-proj4"},
    };
    for (String[] p : pairs) {
      t.add(
          Target.of(
              p[2] + ": through warm Quiver ≥ 3× faster than direct from the S3-shaped store",
              wall(s, p[1], p[2]) / wall(s, p[0], p[2]),
              3,
              true,
              "median time " + p[1] + " / " + p[0] + ", " + p[2]));
    }
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
    r.config()
        .forEach(
            (k, v) -> {
              if (!SQL_CONFIG.contains(k)) {
                md.append("- ").append(k).append(": ").append(v).append('\n');
              }
            });
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
      if (SqlWorkloads.isSql(w)) {
        continue; // in the SQL section
      }
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
        if (s.contender().startsWith("quiver") || SqlWorkloads.isSql(s.workload())) {
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
    sqlSection(md, r, sorted);
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

  /** How each SQL contender runs a query, for the report. */
  static final List<String> SQL_CONTENDER_NOTES =
      List.of(
          "`quiver-flightsql-warm`, `quiver-flightsql-cold`, `quiver-flightsql-cold@s3-shaped`:"
              + " Apache Arrow's Flight SQL JDBC driver (18.3.0, which prepares every statement)"
              + " against the node's Flight port. The node parses, validates and plans with"
              + " Calcite, scans the table through its cache with only the query's columns and the"
              + " filters Calcite pushed down (row groups pruned by their statistics, rows filtered"
              + " at the scan), and its embedded DuckDB runs the query over the cached Arrow"
              + " batches; the answer comes back as Arrow over Flight. Warm: the same query ran"
              + " once, unmeasured, before the run. Cold: `cache-free` before the run (footers and"
              + " listings stay cached); `@s3-shaped` reads the bucket through the shaping proxy.",
          "`quiver-calcite-jdbc-warm`, `quiver-calcite-jdbc-cold`: Quiver's own"
              + " Calcite JDBC driver (`jdbc:quiver://`), which plans and executes in the client with"
              + " Calcite's engine, its table scans (with the columns and filters it pushes down)"
              + " read over Flight from the node's cache; warm and cold as above.",
          "`duckdb-local`: DuckDB (`duckdb_jdbc`, embedded in the harness JVM, default settings:"
              + " one thread per core) over the same Parquet files on local disk (in the OS page"
              + " cache).",
          "`duckdb-s3`, `duckdb-s3@s3-shaped`: DuckDB cannot reach the store here (its `httpfs`"
              + " extension cannot be downloaded), so every run the harness does that extension's"
              + " I/O: per object a HEAD and one GET of its last "
              + SparseParquetCopies.TAIL_BYTES / 1024
              + " KiB (the footer), then one ranged GET per run of adjacent column chunks the"
              + " query reads, in every row group that the query's range on its filter column"
              + " does not rule out by min/max statistics (as DuckDB skips row groups) — AWS SDK"
              + " v2, "
              + DuckDbS3Contender.CONNECTIONS
              + " requests in parallel — written into sparse local files (holes elsewhere); then"
              + " DuckDB runs the query over those files. The time covers the requests, the"
              + " writes (page cache) and the query; nothing is cached between runs (DuckDB caches"
              + " neither objects nor, by default, footers). The answer check shows DuckDB needed"
              + " no byte that was not fetched.");

  /** The SQL section: contenders, queries and answers, times, ratios and what the scans did. */
  @SuppressWarnings("unchecked")
  static void sqlSection(StringBuilder md, BenchResults r, List<Summary> sorted) {
    List<String> sqlWorkloads =
        workloads(r.summaries()).stream().filter(SqlWorkloads::isSql).toList();
    if (sqlWorkloads.isEmpty()) {
      return;
    }
    md.append("## SQL workloads: Flight SQL vs DuckDB\n\n");
    boolean calcite =
        r.summaries().stream().anyMatch(s -> s.contender().startsWith("quiver-calcite-jdbc"));
    for (String n : SQL_CONTENDER_NOTES) {
      if (calcite || !n.startsWith("`quiver-calcite-jdbc")) {
        md.append("- ").append(n).append('\n');
      }
    }
    md.append(
        "\nEvery run's answer is compared with DuckDB's over the local files (computed once"
            + " before the runs); a different answer fails the contender.\n\n");
    Object texts = r.config().get("sqlQueries");
    Object answers = r.config().get("sqlAnswers");
    if (texts instanceof Map<?, ?> t) {
      for (Map.Entry<?, ?> e : t.entrySet()) {
        md.append("**").append(e.getKey()).append("**");
        if (answers instanceof Map<?, ?> a && a.get(e.getKey()) != null) {
          md.append(": ").append(a.get(e.getKey()));
        }
        md.append("\n\n```sql\n").append(e.getValue()).append("\n```\n\n");
      }
    }
    md.append(
        "| workload | contender | runs | median ms | min–max ms | IQR ms | client CPU ms |"
            + " server CPU ms | storage MB read |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (String w : sqlWorkloads) {
      for (Summary s : sorted) {
        if (!s.workload().equals(w)) {
          continue;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %d | %s | %s–%s | %s–%s | %s | %s | %s |%n",
                w,
                s.contender(),
                s.runs(),
                num(s.wallMedianSeconds() * 1e3, "%.1f"),
                num(s.wallMinSeconds() * 1e3, "%.1f"),
                num(s.wallMaxSeconds() * 1e3, "%.1f"),
                num(s.wallP25Seconds() * 1e3, "%.1f"),
                num(s.wallP75Seconds() * 1e3, "%.1f"),
                num(medianMillis(r.measurements(), s, Measurement::clientCpuNanos), "%.0f"),
                num(medianMillis(r.measurements(), s, Measurement::serverCpuNanos), "%.0f"),
                s.storageBytesRead() < 0 ? "n/a" : num(s.storageBytesRead() / 1e6, "%.2f")));
      }
    }
    List<String> others =
        r.summaries().stream()
            .filter(s -> SqlWorkloads.isSql(s.workload()) && !s.contender().equals(SQL_WARM))
            .map(Summary::contender)
            .distinct()
            .toList();
    if (!others.isEmpty()) {
      md.append(
          "\nTimes relative to `"
              + SQL_WARM
              + "` (median time of the column's contender / median time of "
              + SQL_WARM
              + "; above 1: warm Flight SQL is faster):\n\n| workload |");
      others.forEach(c -> md.append(' ').append(c).append(" |"));
      md.append("\n|---|");
      others.forEach(c -> md.append("---|"));
      md.append('\n');
      for (String w : sqlWorkloads) {
        md.append("| ").append(w).append(" |");
        double mine = wall(r.summaries(), SQL_WARM, w);
        for (String c : others) {
          md.append(' ').append(num(wall(r.summaries(), c, w) / mine, "%.2f×")).append(" |");
        }
        md.append('\n');
      }
    }
    List<String> filtered =
        r.summaries().stream()
            .filter(s -> s.workload().equals(SqlWorkloads.FILTER))
            .map(Summary::contender)
            .toList();
    if (!filtered.isEmpty()) {
      md.append(
          "\nPruning: the 1 % filter against the same rows with the predicate hidden from"
              + " push-down:\n\n| contender | "
              + SqlWorkloads.FILTER
              + " ms | "
              + SqlWorkloads.FILTER_NO_PUSHDOWN
              + " ms | without / with |\n|---|---|---|---|\n");
      for (String c : filtered) {
        double with = wall(r.summaries(), c, SqlWorkloads.FILTER);
        double without = wall(r.summaries(), c, SqlWorkloads.FILTER_NO_PUSHDOWN);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s |%n",
                c,
                num(with * 1e3, "%.1f"),
                num(without * 1e3, "%.1f"),
                num(without / with, "%.2f×")));
      }
    }
    if (r.config().get("sqlScanFacts") instanceof Map<?, ?> facts && !facts.isEmpty()) {
      md.append("\nWhat the node's scans did (last run):\n\n");
      ((Map<String, Object>) facts)
          .forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    }
    md.append('\n');
  }

  /** Median over {@code s}'s runs of a CPU figure in ms, or NaN if any run did not measure it. */
  private static double medianMillis(
      List<Measurement> all, Summary s, java.util.function.ToLongFunction<Measurement> field) {
    double[] v =
        all.stream()
            .filter(m -> m.contender().equals(s.contender()) && m.workload().equals(s.workload()))
            .mapToLong(field)
            .mapToDouble(x -> x / 1e6)
            .sorted()
            .toArray();
    if (v.length == 0 || v[0] < 0) {
      return Double.NaN;
    }
    return Summary.quantile(v, 0.5);
  }

  static List<String> workloads(List<Summary> s) {
    return s.stream().map(Summary::workload).distinct().toList();
  }
}
