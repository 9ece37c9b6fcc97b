package io.quiver.bench.harness;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * The byte ranges of a Parquet file a reader like DuckDB's needs for a query: the column chunks
 * (dictionary and data pages) of the columns the query reads, in every row group whose min/max
 * statistics do not rule the query's {@linkplain SqlQuery.ZoneFilter zone filter} out. Chunks that
 * touch within a row group are merged into one range (one request). Stateless.
 */
final class ParquetRanges {
  /** {@code [offset, offset + length)} of a file. */
  record Range(long offset, long length) {
    long end() {
      return offset + length;
    }
  }

  private ParquetRanges() {}

  /** The ranges to read of the file described by {@code footer}, in file order. */
  static List<Range> plan(ParquetMetadata footer, List<String> columns, SqlQuery.ZoneFilter zone) {
    List<Range> out = new ArrayList<>();
    for (BlockMetaData block : footer.getBlocks()) {
      if (zone != null && !mayMatch(block, zone)) {
        continue;
      }
      List<Range> chunks = new ArrayList<>();
      for (ColumnChunkMetaData c : block.getColumns()) {
        if (columns.contains(c.getPath().toDotString())) {
          chunks.add(new Range(c.getStartingPos(), c.getTotalSize()));
        }
      }
      chunks.sort(Comparator.comparingLong(Range::offset));
      Range open = null;
      for (Range r : chunks) {
        if (open != null && r.offset() == open.end()) {
          open = new Range(open.offset(), open.length() + r.length());
        } else {
          if (open != null) {
            out.add(open);
          }
          open = r;
        }
      }
      if (open != null) {
        out.add(open);
      }
    }
    return out;
  }

  /** Whether the statistics of {@code block} leave rows that {@code zone} may keep. */
  static boolean mayMatch(BlockMetaData block, SqlQuery.ZoneFilter zone) {
    for (ColumnChunkMetaData c : block.getColumns()) {
      if (!c.getPath().toDotString().equals(zone.column())) {
        continue;
      }
      Statistics<?> s = c.getStatistics();
      if (s == null || s.isEmpty() || !s.hasNonNullValue()) {
        return true;
      }
      if (!(s.genericGetMin() instanceof Number min)
          || !(s.genericGetMax() instanceof Number max)) {
        return true;
      }
      return zone.mayMatch(min.longValue(), max.longValue());
    }
    return true;
  }
}
