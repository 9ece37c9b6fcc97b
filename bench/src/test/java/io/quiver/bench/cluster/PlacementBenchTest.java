package io.quiver.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster section at a small size: what it measures is real and its report is complete. */
class PlacementBenchTest {
  @Test
  void smallRunMeasuresEverythingAndWritesTheSection() throws Exception {
    PlacementBench.Result r = new PlacementBench(List.of(10, 30), 5_000, 200).run();

    assertEquals(3, r.placements().size());
    assertEquals(30, r.placements().get(1).members());
    assertEquals(2, r.placements().get(2).replicas());
    for (var f : r.placements()) {
      assertEquals(0, f.leaveMovedFromOthers(), f.summary());
      assertEquals(0, f.joinMovedToOthers(), f.summary());
    }
    // Bytes measured from the store's own file: a mount (target, five options) outweighs a table.
    assertTrue(r.catalog().perTableCompact() > 50, r.catalog().toString());
    assertTrue(r.catalog().perMountCompact() > r.catalog().perTableCompact(), r.toString());
    assertTrue(r.catalog().perMountFile() > r.catalog().perMountCompact(), r.toString());
    // A second location per endpoint adds its URI to every endpoint.
    PlacementBench.FlightInfoBytes one = r.flightInfos().get(0);
    PlacementBench.FlightInfoBytes two = r.flightInfos().get(1);
    assertEquals(200, one.endpoints());
    assertTrue(one.perEndpoint() > 200, one.toString());
    assertTrue(two.bytes() > one.bytes() + 200 * 30, one + " " + two);

    String md = PlacementBench.markdown(r);
    assertTrue(md.startsWith("## Cluster placement (simulation)"), md);
    assertTrue(md.contains("| 30 | 5,000 | 1 |"), md);
    assertTrue(md.contains("### Cluster sizes (measured)"), md);
    assertTrue(md.contains("| 200 | 2 |"), md);
  }

  @Test
  void chanceFigureFollowsTheNormalApproximation() {
    var f =
        new io.quiver.cluster.PlacementSimulation.Figures(
            100, 1_000_000, 1, 1.02, 0.97, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    // λ = 10,000 copies per member: 1 + √(2 ln 100 / 10,000) ≈ 1.0303.
    assertEquals(1.0303, PlacementBench.chanceMaxOverMean(f), 1e-4);
  }
}
