package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a client-library contender's result file, and failing clearly when it cannot run. */
class ExternalClientsTest {
  @TempDir Path tmp;

  @Test
  void parsesResultsIntoMeasurements() throws Exception {
    Path out = tmp.resolve("r.json");
    Files.writeString(
        out,
        """
        {"results": [
           {"contender": "spark-quiver-warm", "workload": "spark-count", "repetition": 1,
            "wallNanos": 2000, "rows": 10, "cpuNanos": 5},
           {"contender": "spark-s3a@s3-shaped", "workload": "spark-count", "repetition": 1,
            "wallNanos": 3000, "rows": 10}],
         "notes": ["n1"], "startSeconds": 4.5}
        """);
    ExternalClients.Outcome o = ExternalClients.parse(out);
    assertEquals(2, o.measurements().size());
    Measurement m = o.measurements().get(0);
    assertEquals("spark-quiver-warm", m.contender());
    assertEquals("spark-count", m.workload());
    assertEquals(1, m.repetition());
    assertEquals(2000, m.wallNanos());
    assertEquals(10, m.rows());
    assertEquals(5, m.clientCpuNanos());
    assertEquals(-1, o.measurements().get(1).clientCpuNanos());
    assertEquals(List.of("n1"), o.notes());
    assertEquals(4.5, o.startSeconds());
  }

  @Test
  void emptyOrUnreadableResultsAreFailures() throws Exception {
    Path empty = tmp.resolve("empty.json");
    Files.writeString(empty, "{\"results\": []}");
    assertTrue(
        assertThrows(ExternalClients.Failure.class, () -> ExternalClients.parse(empty))
            .getMessage()
            .contains("no measurements"));
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{not json");
    assertTrue(
        assertThrows(ExternalClients.Failure.class, () -> ExternalClients.parse(bad))
            .getMessage()
            .contains("no readable result"));
  }
}
