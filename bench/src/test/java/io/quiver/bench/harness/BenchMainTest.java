package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A tiny end-to-end run of the whole harness: real S3Proxy, Quiver server and speed-of-light server
 * in their own JVMs, Arrow C++ over S3, DuckDB, one repetition. Checks that every contender ran
 * every workload it supports, delivered the whole table (or, for SQL, the reference answer: the
 * harness checks it), and that the results and report exist; the Alluxio contender is not built
 * here, so it must show up as failed with the reason.
 */
@Tag("long") // run by .ci/run (mvn -Plong), not by mvn verify: see README "Tests"
class BenchMainTest {
  @TempDir Path tmp;

  @Test
  void tinyRunMeasuresEveryContenderAndWritesTheReport() throws Exception {
    BenchMain main = new BenchMain();
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(main);
    cli.setOut(new PrintWriter(out, true));
    int code =
        cli.execute(
            "--rows", "20000",
            "--repetitions", "1",
            "--warmups", "0",
            "--batch-rows", "4096",
            "--concurrent-clients", "4",
            "--requests-per-client", "2",
            "--server-memory", Long.toString(256L << 20),
            "--latency-ms", "5",
            "--server-classpath", "bench",
            "--call-timeout", "60",
            // The harness's soak defaults to 10 minutes; SoakTest covers the soak itself.
            "--soak-minutes", "0.05",
            "--soak-clients", "2",
            "--catalog-objects", "500",
            "--placement-keys", "2000",
            "--cluster-scan-rows", "50000",
            "--root", tmp.toString(),
            "--data-dir", tmp.resolve("data").toString(),
            "--results-dir", tmp.resolve("results").toString());
    assertEquals(0, code, out.toString());

    JsonNode r = new ObjectMapper().readTree(main.lastResults.resolve("results.json").toFile());
    Set<String> ran = new HashSet<>();
    for (JsonNode m : r.get("measurements")) {
      ran.add(m.get("contender").asText() + " " + m.get("workload").asText());
      if (SqlWorkloads.isSql(m.get("workload").asText())) {
        assertTrue(m.get("rows").asLong() > 0, m.toString());
      } else if (!m.get("workload").asText().equals("concurrent")) {
        assertEquals(20000, m.get("rows").asLong(), m.toString());
        assertTrue(m.get("arrowBytes").asLong() > 0, m.toString());
      } else {
        assertEquals(8, m.get("latenciesNanos").size(), m.toString());
      }
    }
    for (String c :
        new String[] {
          "speed-of-light",
          "quiver-warm",
          "quiver-cold",
          "quiver-cold@s3-shaped",
          "direct-java",
          "direct-java@s3-shaped",
          "direct-native-s3",
          "direct-native-s3@s3-shaped",
          "direct-native-local"
        }) {
      for (String w : new String[] {"full", "proj1", "proj4"}) {
        assertTrue(ran.contains(c + " " + w), c + " " + w + " missing from " + ran);
      }
    }
    for (String c : new String[] {"speed-of-light", "quiver-warm", "direct-java"}) {
      assertTrue(ran.contains(c + " concurrent"), c + " concurrent missing from " + ran);
    }
    for (String c :
        new String[] {
          "quiver-flightsql-warm",
          "quiver-flightsql-cold",
          "quiver-flightsql-cold@s3-shaped",
          "duckdb-local",
          "duckdb-s3",
          "duckdb-s3@s3-shaped"
        }) {
      for (String w : SqlWorkloads.NAMES) {
        assertTrue(ran.contains(c + " " + w), c + " " + w + " missing from " + ran);
      }
    }
    // Warm reads nothing from storage; cold reads the chunks again.
    for (JsonNode m : r.get("measurements")) {
      if (m.get("contender").asText().equals("quiver-warm")
          || m.get("contender").asText().equals("quiver-flightsql-warm")) {
        assertEquals(0, m.get("storageBytesRead").asLong(), m.toString());
      }
      if (m.get("contender").asText().equals("quiver-cold")) {
        assertTrue(m.get("storageBytesRead").asLong() > 0, m.toString());
      }
    }
    assertTrue(r.get("failures").get("alluxio-sc-off").asText().contains("not built"));
    // The client-library contenders are not built in this temporary home either.
    assertTrue(r.get("failures").get("spark").asText().contains("not built"));
    assertTrue(r.get("failures").get("pandas").asText().contains("no Python"));
    assertEquals(4, r.get("failures").size(), r.get("failures").toString());
    assertTrue(r.get("servers").get("quiver").get("peakRssBytes").asLong() > 0);
    for (JsonNode note : r.get("notes")) {
      assertTrue(!note.asText().startsWith("closing"), note.asText()); // a leak fails a close
    }
    // The soak ran against the node, briefly, and every operation of it succeeded.
    JsonNode soak = new ObjectMapper().readTree(main.lastResults.resolve("soak.json").toFile());
    long operations = 0;
    for (JsonNode n : soak.get("operationsByKind")) {
      operations += n.asLong();
    }
    assertTrue(operations > 0, soak.toString());
    assertEquals(0, soak.get("errors").size(), soak.toString());
    String report = Files.readString(main.lastResults.resolve("report.md"));
    assertTrue(report.contains("## Targets"), report);
    assertTrue(report.contains("## SQL workloads: Flight SQL vs DuckDB"), report);
    // The Wire section: raw loopback TCP and memcpy next to Flight on one and two connections.
    assertTrue(report.contains("## Wire: the warm full scan against the machine"), report);
    for (String row :
        new String[] {
          "| memcpy (1 thread) |",
          "| loopback TCP, 2 connections |",
          "| speed-of-light, 4 MiB write buffer, 1 stream |",
          "| quiver-warm, 2 streams |"
        }) {
      assertTrue(report.contains(row), row + " missing from " + report);
    }
    assertTrue(report.contains("## Catalog (S3-shaped store)"), report);
    assertTrue(report.contains("| ls of 500 objects"), report);
    assertTrue(report.contains("## Cluster placement (simulation)"), report);
    assertTrue(report.contains("| 1000 | 2,000 | 1 |"), report);
    assertTrue(report.contains("### Cluster scan: 1 and 3 local nodes"), report);
    assertTrue(report.contains("| 3 | 50,000 |"), report);
    assertTrue(Files.size(main.lastResults.resolve("sql.png")) > 0);
    assertTrue(Files.size(main.lastResults.resolve("throughput.png")) > 0);
    assertTrue(Files.size(main.lastResults.resolve("latency.png")) > 0);
  }
}
