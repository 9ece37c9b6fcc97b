package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the Alluxio contender's result file, and failing clearly when it cannot run. */
class AlluxioRunnerTest {
  @TempDir Path tmp;

  private static final List<Workload> WORKLOADS =
      List.of(
          Workload.scan("full", List.of()),
          new Workload("concurrent", List.of("l_extendedprice"), 4, 1));

  @Test
  void parsesResultsIntoMeasurementsPerModeAndPhase() throws Exception {
    Path out = tmp.resolve("r.json");
    Files.writeString(
        out,
        """
        {"contender":"alluxio","shortCircuit":true,"startSeconds":3.5,
         "results":[
           {"workload":"full","phase":"cold","repetition":0,"wallNanos":2000,"rows":10,
            "arrowBytes":100,"cpuNanos":5},
           {"workload":"full","phase":"warm","repetition":0,"wallNanos":1000,"rows":10,
            "arrowBytes":100,"cpuNanos":4}],
         "concurrent":{"clients":4,"requests":4,"latencyNanos":[1,2,3,4],"wallNanos":9},
         "serverHeapBytes":123,"notes":["n1"]}
        """);
    AlluxioRunner.Outcome o = AlluxioRunner.parse(out, true, WORKLOADS);
    assertEquals(3, o.measurements().size());
    Measurement cold = o.measurements().get(0);
    assertEquals("alluxio-sc-on-cold", cold.contender());
    assertEquals("full", cold.workload());
    assertEquals(2000, cold.wallNanos());
    assertEquals(5, cold.clientCpuNanos());
    assertEquals("alluxio-sc-on-warm", o.measurements().get(1).contender());
    Measurement c = o.measurements().get(2);
    assertEquals("concurrent", c.workload());
    assertArrayEquals(new long[] {1, 2, 3, 4}, c.latenciesNanos());
    assertEquals(123L, o.server().get("serverHeapBytes"));
    assertEquals(List.of("n1"), o.server().get("notes"));
  }

  @Test
  void unreadableResultIsAFailureNamingTheFile() {
    Path missing = tmp.resolve("missing.json");
    AlluxioRunner.AlluxioFailure e =
        assertThrows(
            AlluxioRunner.AlluxioFailure.class,
            () -> AlluxioRunner.parse(missing, false, WORKLOADS));
    assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
  }

  @Test
  void unbuiltContenderIsAFailureSayingSo() {
    BenchEnv env =
        new BenchEnv(
            List.of(tmp.resolve("a.parquet")),
            "b",
            "p",
            List.of("p/a.parquet"),
            new int[] {1},
            List.of("c"),
            1,
            2,
            "A",
            "S",
            "a",
            "s",
            8,
            1,
            tmp,
            "",
            "");
    AlluxioRunner.AlluxioFailure e =
        assertThrows(
            AlluxioRunner.AlluxioFailure.class,
            () -> AlluxioRunner.run(tmp, env, false, 1, WORKLOADS, tmp.resolve("o.json"), 5));
    assertTrue(e.getMessage().contains("not built"), e.getMessage());
  }
}
