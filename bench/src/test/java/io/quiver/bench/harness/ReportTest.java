package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Targets and the Markdown report computed from fixed measurements. */
class ReportTest {
  private static final long GB = 1_000_000_000L;

  /** One measurement of {@code seconds} delivering {@code bytes}. */
  private static Measurement m(String contender, String workload, double seconds, long bytes) {
    return new Measurement(
        contender, workload, 0, (long) (seconds * 1e9), 1000, bytes, 1, 1, 1, -1, new long[0]);
  }

  private static List<Summary> fixture() {
    List<Measurement> ms = new ArrayList<>();
    ms.add(m("speed-of-light", "full", 1.0, GB));
    ms.add(m("quiver-warm", "full", 1.0 / 0.9, GB)); // 0.9× speed of light: met
    ms.add(m("direct-java", "full", 3.0, GB)); // 2.7×: missed (needs 3)
    ms.add(m("direct-java@s3-shaped", "full", 5.0, GB)); // 4.5×: met
    // no direct-native-s3@s3-shaped: n/a
    ms.add(m("quiver-warm", "proj1", 0.1, GB / 16)); // fraction 1/16: bound 1.2 × 0.069 s
    ms.add(m("quiver-warm", "proj4", 0.3, GB / 4)); // fraction 1/4: 0.3 / 0.278 = 1.08: met
    ms.add(m("alluxio-sc-off-warm", "proj4", 1.5, GB / 4)); // 5×: met
    ms.add(m("alluxio-sc-on-warm", "proj4", 0.3, GB / 4)); // equal: not faster, missed
    ms.add(m("quiver-cold", "full", 3.2, GB)); // 1.067× direct-java: met
    return Summary.of(ms);
  }

  private static Map<String, Target> byName(List<Target> targets) {
    return targets.stream()
        .collect(
            Collectors.toMap(Target::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
  }

  @Test
  void evaluatesEveryTargetAsMetMissedOrNotApplicable() {
    Map<String, Target> t = byName(Report.targets(fixture(), 1_400L << 20, 1L << 30));
    assertEquals("met", t.get("warm full scan ≥ 0.85× speed of light (MB/s)").status());
    assertEquals(0.9, t.get("warm full scan ≥ 0.85× speed of light (MB/s)").value(), 1e-6);
    assertEquals("missed", t.get("warm ≥ 3× direct Java read, loopback").status());
    assertEquals(2.7, t.get("warm ≥ 3× direct Java read, loopback").value(), 1e-6);
    assertEquals("met", t.get("warm ≥ 4× direct Java read, S3-shaped").status());
    assertEquals("n/a", t.get("warm ≥ 1.3× direct native read, S3-shaped").status());
    assertEquals(
        "met", t.get("warm proj4 ≥ 4× faster than warm Alluxio, short-circuit off").status());
    assertEquals("missed", t.get("warm proj4 faster than warm Alluxio, short-circuit on").status());
    assertEquals("n/a", t.get("warm proj1 faster than warm Alluxio, short-circuit on").status());
    assertEquals("met", t.get("cold ≤ 1.10× direct Java read (same decoder), loopback").status());
    assertEquals("n/a", t.get("cold ≤ 1.10× direct Java read (same decoder), S3-shaped").status());
    Target proj1 = t.get("warm proj1 time ≤ 1.2× (byte fraction × full scan time)");
    assertEquals(0.1 / (1.0 / 16 * (1.0 / 0.9)), proj1.value(), 1e-6);
    assertEquals("missed", proj1.status());
    Target proj4 = t.get("warm proj4 time ≤ 1.2× (byte fraction × full scan time)");
    assertEquals("met", proj4.status());
    // 1400 MiB peak vs 1024 + 512 MiB allowed.
    assertEquals("met", t.get("server RSS ≤ cache capacity + 512 MiB").status());
    assertEquals(
        "missed",
        byName(Report.targets(fixture(), 1_600L << 20, 1L << 30))
            .get("server RSS ≤ cache capacity + 512 MiB")
            .status());
  }

  @Test
  void summaryHasMedianSpreadAndThroughput() {
    List<Measurement> ms = new ArrayList<>();
    double[] seconds = {4, 1, 2, 3, 100};
    for (int i = 0; i < seconds.length; i++) {
      ms.add(
          new Measurement(
              "c", "w", i, (long) (seconds[i] * 1e9), 10, GB, 2 * GB, -1, 0, 7, new long[0]));
    }
    Summary s = Summary.of(ms).get(0);
    assertEquals(5, s.runs());
    assertEquals(3, s.wallMedianSeconds(), 1e-9);
    assertEquals(1, s.wallMinSeconds(), 1e-9);
    assertEquals(100, s.wallMaxSeconds(), 1e-9);
    assertEquals(2, s.wallP25Seconds(), 1e-9);
    assertEquals(4, s.wallP75Seconds(), 1e-9);
    assertEquals(1000 / 3.0, s.megabytesPerSecond(), 1e-6);
    assertEquals(2, s.clientCpuSecondsPerGb(), 1e-9); // 2 s of CPU per GB delivered
    assertEquals(-1, s.serverCpuSecondsPerGb()); // not measured stays "n/a"
    assertEquals(7, s.storageBytesRead());
    assertEquals(-1, s.latencyP50Millis());
  }

  @Test
  void latencyPercentilesSpanEveryRequestOfEveryRepetition() {
    long[] a = new long[50];
    long[] b = new long[50];
    for (int i = 0; i < 50; i++) {
      a[i] = (i + 1) * 1_000_000L; // 1..50 ms
      b[i] = (i + 51) * 1_000_000L; // 51..100 ms
    }
    Summary s =
        Summary.of(
                List.of(
                    new Measurement("c", "concurrent", 0, GB, 1, 1, 1, 1, 1, -1, a),
                    new Measurement("c", "concurrent", 1, GB, 1, 1, 1, 1, 1, -1, b)))
            .get(0);
    assertEquals(50.5, s.latencyP50Millis(), 1e-9);
    assertEquals(99.01, s.latencyP99Millis(), 1e-9);
    assertEquals(50, s.requestsPerSecond(), 1e-9); // 100 requests in 2 s
  }

  @Test
  void markdownShowsTargetsResultsRatiosAndFailures() {
    List<Summary> s = fixture();
    BenchResults r =
        new BenchResults(
            "2026-01-01T00:00:00Z",
            Map.of("dataset", "tiny"),
            List.of(),
            s,
            Map.of("quiver", Map.of("peakRssBytes", 1L)),
            Map.of("alluxio-sc-on", "bench/alluxio is not built"),
            Report.targets(s, -1, 1L << 30),
            List.of("a note"));
    String md = Report.markdown(r, List.of("throughput.png"));
    assertTrue(
        md.contains("| warm ≥ 3× direct Java read, loopback | 2.70 | ≥ 3.00 | **missed** |"), md);
    assertTrue(md.contains("| server RSS ≤ cache capacity + 512 MiB | n/a |"), md);
    assertTrue(md.contains("| full | direct-java | 2.70× |"), md);
    assertTrue(md.contains("- alluxio-sc-on: bench/alluxio is not built"), md);
    assertTrue(md.contains("![throughput.png](throughput.png)"), md);
  }

  @Test
  void sqlTargetsSectionAndRatios() {
    List<Measurement> ms = new ArrayList<>();
    ms.add(sql("quiver-flightsql-warm", "q1", 0.050, 5_000_000L));
    ms.add(sql("duckdb-local", "q1", 0.040, -1)); // 1.25×: missed
    ms.add(sql("duckdb-s3@s3-shaped", "q1", 0.200, -1)); // 4×: met
    ms.add(sql("quiver-flightsql-warm", "q6", 0.020, 5_000_000L));
    ms.add(sql("duckdb-local", "q6", 0.025, -1)); // 0.8×: met
    // no duckdb-s3@s3-shaped q6: n/a
    ms.add(sql("quiver-flightsql-warm", "filter-1pct", 0.010, 5_000_000L));
    ms.add(sql("quiver-flightsql-warm", "filter-1pct-nopush", 0.060, 5_000_000L)); // 6×: met
    ms.add(sql("quiver-flightsql-cold", "filter-1pct", 0.100, 5_000_000L));
    ms.add(sql("quiver-flightsql-cold", "filter-1pct-nopush", 0.150, 5_000_000L));
    List<Summary> s = Summary.of(ms);
    Map<String, Target> t = byName(Report.targets(s, -1, 1L << 30));
    Target q1Local = t.get("warm Flight SQL q1 ≤ 1.0× DuckDB on local Parquet (time)");
    assertEquals(1.25, q1Local.value(), 1e-9);
    assertEquals("missed", q1Local.status());
    assertEquals("met", t.get("warm Flight SQL q6 ≤ 1.0× DuckDB on local Parquet (time)").status());
    Target q1S3 = t.get("warm Flight SQL q1 ≥ 3× faster than DuckDB reading the S3-shaped store");
    assertEquals(4, q1S3.value(), 1e-9);
    assertEquals("met", q1S3.status());
    assertEquals(
        "n/a",
        t.get("warm Flight SQL q6 ≥ 3× faster than DuckDB reading the S3-shaped store").status());
    Target pruning =
        t.get("1 % filter on the sort column ≥ 5× faster than without pruning (warm Flight SQL)");
    assertEquals(6, pruning.value(), 1e-9);
    assertEquals("met", pruning.status());
    assertEquals(
        "n/a",
        t.get(
                "1 % filter on the sort column ≥ 5× faster than without pruning (cold Flight SQL,"
                    + " S3-shaped)")
            .status());

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("dataset", "tiny");
    config.put("sqlQueries", Map.of("q6", "select sum(l_tax) from bench.loopback"));
    config.put("sqlAnswers", Map.of("q6", "1 row × 1 columns; TPC-H Q6"));
    config.put("sqlScanFacts", Map.of("quiver-flightsql-warm q6", "2 of 8 row groups read"));
    BenchResults r =
        new BenchResults(
            "2026-01-01T00:00:00Z",
            config,
            ms,
            s,
            Map.of(),
            Map.of(),
            Report.targets(s, -1, 1L << 30),
            List.of());
    String md = Report.markdown(r, List.of());
    assertTrue(md.contains("## SQL workloads: Flight SQL vs DuckDB"), md);
    assertTrue(md.contains("**q6**: 1 row × 1 columns; TPC-H Q6"), md);
    assertTrue(md.contains("```sql\nselect sum(l_tax) from bench.loopback\n```"), md);
    assertTrue(!md.contains("- sqlQueries:"), "SQL texts are not in the configuration list");
    assertTrue(md.contains("| q1 | quiver-flightsql-warm | 1 | 50.0 | 50.0–50.0 |"), md);
    assertTrue(md.contains("| 5.00 |"), "storage MB read: " + md);
    // Ratios against warm Flight SQL: duckdb-local 0.040 / 0.050 for q1.
    assertTrue(md.contains("| q1 | 0.80× | 4.00× | n/a |"), md);
    assertTrue(md.contains("| quiver-flightsql-cold | 100.0 | 150.0 | 1.50× |"), md);
    assertTrue(md.contains("- quiver-flightsql-warm q6: 2 of 8 row groups read"), md);
    // SQL workloads stay out of the scan tables.
    assertTrue(!md.contains("| q1 | quiver-flightsql-warm | 1 | 0.050 |"), md);
  }

  private static Measurement sql(String contender, String workload, double seconds, long storage) {
    return new Measurement(
        contender,
        workload,
        0,
        (long) (seconds * 1e9),
        4,
        0,
        2_000_000,
        contender.startsWith("quiver") ? 3_000_000 : -1,
        0,
        storage,
        new long[0]);
  }
}
