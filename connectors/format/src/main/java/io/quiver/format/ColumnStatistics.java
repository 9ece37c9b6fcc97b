package io.quiver.format;

/**
 * What a file's metadata says about one top-level column in one unit (row group, stripe), for
 * pruning units that cannot hold a row a filter wants.
 *
 * <p>{@code min} and {@code max} are bounds on the column's non-null values, in the value domain of
 * the column's Arrow type: {@link Long} for integers, dates (days for {@code Date(DAY)},
 * milliseconds for {@code Date(MILLISECOND)}), times and timestamps (in the type's unit); {@link
 * java.math.BigDecimal} for decimals; {@link String} for Utf8 (compared as UTF-8 bytes, unsigned);
 * {@link Boolean} for Bool. They are null when unknown, and formats leave them null where the
 * writer's statistics cannot be trusted (for example floating point, whose statistics may omit
 * NaN). Bounds may be looser than the actual minimum and maximum, never tighter.
 *
 * @param min a lower bound of the non-null values, or null if unknown
 * @param max an upper bound of the non-null values, or null if unknown
 * @param nullCount the number of null values, or -1 if unknown
 * @param valueCount the number of values, nulls included (the unit's rows)
 */
public record ColumnStatistics(Object min, Object max, long nullCount, long valueCount) {
  public ColumnStatistics {
    if ((min == null) != (max == null)) {
      min = null;
      max = null;
    }
  }

  /** Nothing known but the row count. */
  public static ColumnStatistics unknown(long valueCount) {
    return new ColumnStatistics(null, null, -1, valueCount);
  }

  public boolean hasBounds() {
    return min != null;
  }

  /** Whether the unit may hold a non-null value of this column. */
  public boolean mayHaveNonNull() {
    return nullCount < 0 || nullCount < valueCount;
  }

  /** Whether the unit may hold a null value of this column. */
  public boolean mayHaveNull() {
    return nullCount != 0;
  }
}
