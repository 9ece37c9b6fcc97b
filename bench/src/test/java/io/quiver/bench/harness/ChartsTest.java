package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The charts of a run with scan and SQL workloads. */
class ChartsTest {
  @TempDir Path tmp;

  private static Measurement m(String contender, String workload, double seconds, long bytes) {
    return new Measurement(
        contender, workload, 0, (long) (seconds * 1e9), 10, bytes, 1, 1, 1, -1, new long[0]);
  }

  @Test
  void sqlMediansGetTheirOwnChart() throws Exception {
    List<Summary> s =
        Summary.of(
            List.of(
                m("quiver-warm", "full", 1, 1_000_000_000L),
                m("quiver-flightsql-warm", "q1", 0.5, 0),
                m("quiver-flightsql-warm", "q6", 0.2, 0),
                m("duckdb-local", "q1", 0.05, 0),
                m("duckdb-local", "q6", 0.02, 0),
                m("duckdb-s3", "q1", 0.3, 0))); // no q6: a zero bar
    assertEquals(List.of("throughput.png", "sql.png"), Charts.write(tmp, s));
    assertTrue(Files.size(tmp.resolve("sql.png")) > 1000);
    assertTrue(Files.size(tmp.resolve("throughput.png")) > 1000);
  }
}
