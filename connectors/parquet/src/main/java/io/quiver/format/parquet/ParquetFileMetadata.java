package io.quiver.format.parquet;

import io.quiver.format.FileMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A Parquet footer as {@link FileMetadata}: units are row groups; the Arrow schema is {@link
 * ParquetSchemas#toArrow}'s. Immutable and thread-safe (the footer is never modified).
 */
public final class ParquetFileMetadata implements FileMetadata {
  private final ParquetMetadata footer;
  private final Schema schema;
  private final List<Map<String, Long>> columnBytes;

  /**
   * @throws UnsupportedParquetSchemaException if a column has a type Quiver cannot decode
   */
  public ParquetFileMetadata(ParquetMetadata footer) {
    this.footer = footer;
    this.schema = ParquetSchemas.toArrow(footer.getFileMetaData().getSchema());
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
