package io.quiver.format;

import io.quiver.storage.StorageInput;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The argument checks of {@link UnitDecoder#decode}, in one place for every decoder: non-null
 * arguments, {@code batchRows} a positive multiple of 8, an existing unit, at least one column, no
 * column twice, every column in the file. Messages name the file and, for an unknown column, list
 * the file's columns.
 *
 * <p>Stateless and thread-safe.
 */
public final class UnitRequest {
  private UnitRequest() {}

  /**
   * Checks a decode request against the file's top-level columns and units.
   *
   * @param fileColumns the file's top-level column names, in file order
   * @param unitKind what a unit is called in messages, e.g. "Row group" or "Stripe"
   * @param unitCount how many units the file has
   * @return for each requested column, its index in {@code fileColumns}
   * @throws IllegalArgumentException naming what is wrong (and the file where it helps)
   * @throws NullPointerException if an argument is null
   */
  public static int[] check(
      StorageInput input,
      List<String> fileColumns,
      String unitKind,
      int unitCount,
      int unit,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows) {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(fileColumns, "fileColumns");
    Objects.requireNonNull(columns, "columns");
    Objects.requireNonNull(allocator, "allocator");
    if (batchRows <= 0 || batchRows % 8 != 0) {
      throw new IllegalArgumentException(
          "batchRows must be a positive multiple of 8, was " + batchRows);
    }
    if (unit < 0 || unit >= unitCount) {
      throw new IllegalArgumentException(
          unitKind
              + " "
              + unit
              + " does not exist in "
              + input.entry().location()
              + " (it has "
              + unitCount
              + ")");
    }
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("No columns requested from " + input.entry().location());
    }
    int[] indexes = new int[columns.size()];
    Set<String> seen = new HashSet<>();
    for (int c = 0; c < columns.size(); c++) {
      String name = columns.get(c);
      if (!seen.add(name)) {
        throw new IllegalArgumentException("Column '" + name + "' requested twice");
      }
      indexes[c] = fileColumns.indexOf(name);
      if (indexes[c] < 0) {
        throw new IllegalArgumentException(
            "Unknown column '"
                + name
                + "' in "
                + input.entry().location()
                + "; its columns are "
                + fileColumns);
      }
    }
    return indexes;
  }
}
