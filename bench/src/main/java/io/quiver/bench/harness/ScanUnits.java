package io.quiver.bench.harness;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits files into scan units of at most {@link #ROW_GROUPS_PER_UNIT} consecutive row groups of
 * one file — the same granularity as Quiver's Flight endpoints, so every contender reads the same
 * pieces (a "column chunk request" of the concurrent workload is one unit of one column).
 */
public final class ScanUnits {
  /** Quiver's default row groups per endpoint. */
  public static final int ROW_GROUPS_PER_UNIT = 4;

  /** Row groups {@code [firstRowGroup, firstRowGroup + rowGroups)} of file {@code file}. */
  public record Unit(int file, int firstRowGroup, int rowGroups) {}

  private ScanUnits() {}

  /** Units of files having {@code rowGroupsPerFile[i]} row groups, file by file, in order. */
  public static List<Unit> plan(int[] rowGroupsPerFile) {
    List<Unit> units = new ArrayList<>();
    for (int f = 0; f < rowGroupsPerFile.length; f++) {
      for (int rg = 0; rg < rowGroupsPerFile[f]; rg += ROW_GROUPS_PER_UNIT) {
        units.add(new Unit(f, rg, Math.min(ROW_GROUPS_PER_UNIT, rowGroupsPerFile[f] - rg)));
      }
    }
    return units;
  }
}
