package io.quiver.format;

import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What Quiver needs to know about one version of a columnar file to plan and serve scans: its Arrow
 * schema and its units (row groups or stripes), the unit of caching and of decoding.
 *
 * <p>Immutable and thread-safe. Implementations wrap the format's own footer object, which their
 * decoders unwrap.
 */
public interface FileMetadata {
  /** The format's {@link FileFormat#name()}. */
  String format();

  /**
   * The file's Arrow schema: one field per top-level column, as every decoder produces it. A column
   * of {@link #unsupportedColumns()} is listed too, with the type Arrow C++ gives it where known
   * (so the schema stays the same when Quiver learns to decode it), else Arrow's null type.
   */
  Schema schema();

  /**
   * The top-level columns Quiver cannot decode, each with the reason (a message naming the column
   * and its type). The file is still usable: scans of its other columns work, and a scan that asks
   * for one of these fails with an {@link UnsupportedSchemaException} carrying this message. Empty
   * by default.
   */
  default java.util.Map<String, String> unsupportedColumns() {
    return java.util.Map.of();
  }

  /**
   * Refuses a projection that includes a column Quiver cannot decode.
   *
   * @throws UnsupportedSchemaException with the reason of the first such column of {@code columns}
   */
  default void checkDecodable(java.util.List<String> columns) {
    java.util.Map<String, String> unsupported = unsupportedColumns();
    if (unsupported.isEmpty()) {
      return;
    }
    for (String c : columns) {
      String reason = unsupported.get(c);
      if (reason != null) {
        throw new UnsupportedSchemaException(reason);
      }
    }
  }

  /** The options this metadata was read with, which its decoders apply. */
  default ReadOptions readOptions() {
    return ReadOptions.DEFAULTS;
  }

  /** The number of units (row groups, stripes). */
  int unitCount();

  /** Rows in unit {@code unit}. */
  long unitRows(int unit);

  /**
   * Decoded (uncompressed) bytes of top-level column {@code column} in unit {@code unit}, summed
   * over its leaf columns, as the file's metadata states them; 0 if unknown. Used for planning
   * estimates only.
   */
  long columnBytes(int unit, String column);

  /**
   * What the file's metadata says about top-level column {@code column} in unit {@code unit}, for
   * pruning. The default knows nothing but the row count; formats override it where their
   * statistics are trustworthy.
   */
  default ColumnStatistics statistics(int unit, String column) {
    return ColumnStatistics.unknown(unitRows(unit));
  }

  /** An estimate of the heap this object holds, for bounding metadata caches. */
  long heapBytes();

  /** Rows in the whole file. */
  default long rowCount() {
    long rows = 0;
    for (int u = 0; u < unitCount(); u++) {
      rows += unitRows(u);
    }
    return rows;
  }
}
