package io.quiver.format.parquet;

import io.quiver.format.ColumnStatistics;
import io.quiver.format.FileMetadata;
import io.quiver.format.ReadOptions;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A Parquet footer as {@link FileMetadata}: units are row groups; the Arrow schema is {@link
 * ParquetSchemas#toArrow}'s for the {@link ReadOptions} it was read with. A top-level column Quiver
 * cannot decode does not make the file unusable: it is listed in {@link #unsupportedColumns()} with
 * the reason, and in the schema with {@link ParquetSchemas}' placeholder field (Arrow C++'s type
 * where known); decoders refuse it when a scan asks for it. Immutable and thread-safe (the footer
 * is never modified).
 */
public final class ParquetFileMetadata implements FileMetadata {
  private final ParquetMetadata footer;
  private final ReadOptions options;
  private final Schema schema;
  private final Map<String, String> unsupported;
  private final List<Map<String, Long>> columnBytes;

  /** The footer read with the default options (INT96 as nanoseconds). */
  public ParquetFileMetadata(ParquetMetadata footer) {
    this(footer, ReadOptions.DEFAULTS);
  }

  /** The footer read with {@code options}. */
  public ParquetFileMetadata(ParquetMetadata footer, ReadOptions options) {
    this.footer = footer;
    this.options = java.util.Objects.requireNonNull(options, "options");
    List<Field> fields = new ArrayList<>();
    Map<String, String> refused = new LinkedHashMap<>();
    for (Type type : footer.getFileMetaData().getSchema().getFields()) {
      try {
        fields.add(ParquetSchemas.toNode(type, options.int96TimestampUnit()).field);
      } catch (UnsupportedParquetSchemaException e) {
        refused.put(type.getName(), e.getMessage());
        fields.add(ParquetSchemas.placeholderField(type, options.int96TimestampUnit()));
      }
    }
    this.schema = new Schema(fields);
    this.unsupported = java.util.Collections.unmodifiableMap(refused);
    this.columnBytes =
        footer.getBlocks().stream()
            .map(
                block -> {
                  Map<String, Long> bytes = new HashMap<>();
                  for (ColumnChunkMetaData c : block.getColumns()) {
                    // Leaves of nested columns add up under their top-level column.
                    bytes.merge(c.getPath().toArray()[0], c.getTotalUncompressedSize(), Long::sum);
                  }
                  return Map.copyOf(bytes);
                })
            .toList();
  }

  /** The parquet-java footer. */
  public ParquetMetadata footer() {
    return footer;
  }

  /**
   * The footer inside {@code metadata}.
   *
   * @throws IllegalArgumentException if {@code metadata} is not Parquet's
   */
  public static ParquetMetadata footerOf(FileMetadata metadata) {
    if (metadata instanceof ParquetFileMetadata p) {
      return p.footer;
    }
    throw new IllegalArgumentException(
        "Not Parquet metadata: " + (metadata == null ? null : metadata.format()));
  }

  @Override
  public String format() {
    return ParquetFormat.NAME;
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public Map<String, String> unsupportedColumns() {
    return unsupported;
  }

  @Override
  public ReadOptions readOptions() {
    return options;
  }

  @Override
  public int unitCount() {
    return footer.getBlocks().size();
  }

  @Override
  public long unitRows(int unit) {
    return block(unit).getRowCount();
  }

  @Override
  public long columnBytes(int unit, String column) {
    block(unit);
    return columnBytes.get(unit).getOrDefault(column, 0L);
  }

  /**
   * Statistics of a top-level primitive column, converted to {@link ColumnStatistics}'s value
   * domain. Min/max are left out for floating point (NaN may be missing from them), INT96, unsigned
   * 64-bit integers, binary and JSON columns; parquet-java already drops binary statistics that old
   * writers computed with the wrong (signed) order.
   */
  @Override
  public ColumnStatistics statistics(int unit, String column) {
    BlockMetaData block = block(unit);
    long rows = block.getRowCount();
    for (ColumnChunkMetaData c : block.getColumns()) {
      String[] path = c.getPath().toArray();
      if (path.length != 1 || !path[0].equals(column)) {
        continue;
      }
      Statistics<?> stats = c.getStatistics();
      if (stats == null || stats.isEmpty()) {
        return ColumnStatistics.unknown(rows);
      }
      long nulls = stats.isNumNullsSet() ? stats.getNumNulls() : -1;
      if (!stats.hasNonNullValue()) {
        // All values null (when the null count says so) or nothing known about the values.
        return new ColumnStatistics(null, null, nulls, rows);
      }
      PrimitiveType type = c.getPrimitiveType();
      Object min = bound(type, stats.genericGetMin());
      Object max = bound(type, stats.genericGetMax());
      return new ColumnStatistics(min, max, nulls, rows);
    }
    return ColumnStatistics.unknown(rows);
  }

  private static Object bound(PrimitiveType type, Object value) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d) {
      if (value instanceof Integer i) {
        return BigDecimal.valueOf(i, d.getScale());
      } else if (value instanceof Long l) {
        return BigDecimal.valueOf(l, d.getScale());
      } else if (value instanceof Binary b && b.length() > 0) {
        return new BigDecimal(new BigInteger(b.getBytes()), d.getScale());
      }
      return null;
    }
    switch (type.getPrimitiveTypeName()) {
      case INT32:
        if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned()) {
          return Integer.toUnsignedLong((Integer) value);
        }
        return ((Integer) value).longValue();
      case INT64:
        if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned()) {
          return null;
        }
        return (Long) value;
      case BOOLEAN:
        return logical == null ? value : null;
      case BINARY:
        return logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            ? ((Binary) value).toStringUsingUTF8()
            : null;
      default:
        return null;
    }
  }

  private BlockMetaData block(int unit) {
    List<BlockMetaData> blocks = footer.getBlocks();
    if (unit < 0 || unit >= blocks.size()) {
      throw new IllegalArgumentException(
          "Row group " + unit + " does not exist (the file has " + blocks.size() + ")");
    }
    return blocks.get(unit);
  }

  @Override
  public long heapBytes() {
    long chunks =
        (long) footer.getBlocks().size()
            * Math.max(1, footer.getFileMetaData().getSchema().getColumns().size());
    // ~300 bytes of heap per column chunk's metadata, plus the schema.
    return 4096 + chunks * 300 + (long) columnBytes.size() * schema.getFields().size() * 64;
  }
}
