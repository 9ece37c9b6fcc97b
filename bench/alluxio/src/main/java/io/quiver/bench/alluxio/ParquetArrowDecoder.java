package io.quiver.bench.alluxio;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads projected columns of a Parquet file with parquet-hadoop's column API and decodes them into
 * Arrow vectors, {@code batchRows} rows at a time (a batch never spans two row groups).
 *
 * <p>Each batch is handed to a {@link BatchSink} while its vectors are alive and closed right after
 * the sink returns: the sink borrows the {@link VectorSchemaRoot} and must not keep or close it.
 * All buffers come from the allocator given to the constructor, so a leak shows when that allocator
 * is closed. Errors (I/O, unknown column, unsupported type) close the batch in flight before they
 * propagate.
 *
 * <p>Thread-safe: instances hold no per-file state, Arrow allocators are thread-safe, and every
 * read builds its own {@link ParquetReadOptions} — parquet-java's codec factory inside them pools
 * decompressors that must not be shared between threads (sharing one corrupted pages here with
 * "FAILED_TO_UNCOMPRESS").
 */
public final class ParquetArrowDecoder {

  /** Receives each decoded batch; the root is borrowed for the duration of the call. */
  @FunctionalInterface
  public interface BatchSink {
    void accept(VectorSchemaRoot batch) throws IOException;
  }

  /**
   * What a read produced.
   *
   * @param rows rows decoded
   * @param arrowBytes sum over batches of the Arrow buffer bytes ({@code getBufferSize}) of every
   *     vector
   * @param batches number of batches
   */
  public record DecodeStats(long rows, long arrowBytes, long batches) {
    /** Element-wise sum. */
    public DecodeStats plus(DecodeStats o) {
      return new DecodeStats(rows + o.rows, arrowBytes + o.arrowBytes, batches + o.batches);
    }

    public static final DecodeStats ZERO = new DecodeStats(0, 0, 0);
  }

  private final BufferAllocator allocator;
  private final int batchRows;
  private final Configuration conf;

  /**
   * @param allocator parent of every batch's buffers; borrowed, not closed here
   * @param batchRows maximum rows per batch (positive)
   * @param conf Hadoop configuration the parquet-java read options are built from
   */
  public ParquetArrowDecoder(BufferAllocator allocator, int batchRows, Configuration conf) {
    if (batchRows <= 0) {
      throw new IllegalArgumentException("batchRows must be positive, got " + batchRows);
    }
    this.allocator = allocator;
    this.batchRows = batchRows;
    this.conf = conf;
  }

  /**
   * Decodes the given columns (all columns when empty) of every row group of {@code file}.
   *
   * @param fileName how the file is named in error messages
   * @throws IllegalArgumentException if a column is missing or of an unsupported type
   */
  public DecodeStats decode(InputFile file, String fileName, List<String> columns, BatchSink sink)
      throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(file, HadoopReadOptions.builder(conf).build())) {
      Projection projection = project(reader, fileName, columns);
      DecodeStats total = DecodeStats.ZERO;
      PageReadStore rowGroup;
      while ((rowGroup = reader.readNextRowGroup()) != null) {
        total = total.plus(decodeRowGroup(reader, projection, rowGroup, sink));
      }
      return total;
    }
  }

  /**
   * Decodes the given columns of one row group only (the unit the concurrent-clients workload
   * requests).
   *
   * @throws IllegalArgumentException if the row group index is out of range, a column is missing or
   *     of an unsupported type
   */
  public DecodeStats decodeRowGroup(
      InputFile file, String fileName, List<String> columns, int rowGroupIndex, BatchSink sink)
      throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(file, HadoopReadOptions.builder(conf).build())) {
      int count = reader.getRowGroups().size();
      if (rowGroupIndex < 0 || rowGroupIndex >= count) {
        throw new IllegalArgumentException(
            "file " + fileName + " has " + count + " row groups, no row group " + rowGroupIndex);
      }
      Projection projection = project(reader, fileName, columns);
      PageReadStore rowGroup = reader.readRowGroup(rowGroupIndex);
      return decodeRowGroup(reader, projection, rowGroup, sink);
    }
  }

  /** The file's row count according to its footer. */
  public static long rowCount(InputFile file, Configuration conf) throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(file, HadoopReadOptions.builder(conf).build())) {
      return reader.getRecordCount();
    }
  }

  private record Projection(
      MessageType schema,
      List<ColumnDescriptor> leaves,
      Schema arrow,
      List<ColumnToArrow> converters) {}

  private static Projection project(
      ParquetFileReader reader, String fileName, List<String> columns) {
    MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
    List<Type> fields;
    if (columns.isEmpty()) {
      fields = fileSchema.getFields();
    } else {
      Map<String, Type> byName = new LinkedHashMap<>();
      for (Type t : fileSchema.getFields()) {
        byName.put(t.getName(), t);
      }
      fields = new ArrayList<>();
      for (String c : columns) {
        Type t = byName.get(c);
        if (t == null) {
          throw new IllegalArgumentException(
              "file " + fileName + " has no column '" + c + "' (columns: " + byName.keySet() + ")");
        }
        fields.add(t);
      }
    }
    MessageType projected = new MessageType(fileSchema.getName(), fields);
    List<ColumnDescriptor> leaves = new ArrayList<>();
    List<ColumnToArrow> converters = new ArrayList<>();
    List<Field> arrowFields = new ArrayList<>();
    // Leaves of the projection in the requested order (getColumns follows field order).
    for (ColumnDescriptor d : projected.getColumns()) {
      ColumnToArrow converter = ColumnToArrow.forColumn(fileName, d);
      leaves.add(d);
      converters.add(converter);
      arrowFields.add(converter.field());
    }
    reader.setRequestedSchema(projected);
    return new Projection(projected, leaves, new Schema(arrowFields), converters);
  }

  private DecodeStats decodeRowGroup(
      ParquetFileReader reader, Projection p, PageReadStore rowGroup, BatchSink sink)
      throws IOException {
    ColumnReadStoreImpl store =
        new ColumnReadStoreImpl(
            rowGroup,
            new DiscardingGroupConverter(p.leaves().size()),
            p.schema(),
            reader.getFooter().getFileMetaData().getCreatedBy());
    List<ColumnReader> readers = new ArrayList<>(p.leaves().size());
    for (ColumnDescriptor d : p.leaves()) {
      readers.add(store.getColumnReader(d));
    }
    long remaining = rowGroup.getRowCount();
    long rows = 0;
    long bytes = 0;
    long batches = 0;
    while (remaining > 0) {
      int n = (int) Math.min(batchRows, remaining);
      try (VectorSchemaRoot root = VectorSchemaRoot.create(p.arrow(), allocator)) {
        List<FieldVector> vectors = root.getFieldVectors();
        for (int c = 0; c < vectors.size(); c++) {
          p.converters().get(c).fill(readers.get(c), vectors.get(c), n);
          bytes += vectors.get(c).getBufferSize();
        }
        root.setRowCount(n);
        sink.accept(root);
      }
      remaining -= n;
      rows += n;
      batches++;
    }
    return new DecodeStats(rows, bytes, batches);
  }

  /**
   * The column API wants a converter tree to resolve each leaf's converter; values are read
   * straight from the {@link ColumnReader}, so every converter discards what it is given. It also
   * reports no dictionary support, so the reader decodes dictionary pages itself.
   */
  private static final class DiscardingGroupConverter extends GroupConverter {
    private final PrimitiveConverter leaf = new PrimitiveConverter() {};
    private final int fields;

    DiscardingGroupConverter(int fields) {
      this.fields = fields;
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      if (fieldIndex < 0 || fieldIndex >= fields) {
        throw new IndexOutOfBoundsException("field " + fieldIndex);
      }
      return leaf;
    }

    @Override
    public void start() {}

    @Override
    public void end() {}
  }
}
