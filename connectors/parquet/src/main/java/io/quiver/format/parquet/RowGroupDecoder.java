package io.quiver.format.parquet;

import io.quiver.format.ReadOptions;
import io.quiver.format.UnitRequest;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Decodes top-level columns of one Parquet row group into Arrow vectors.
 *
 * <p>Only the requested columns' chunk byte ranges are read from storage (adjacent chunks together,
 * in reads of at most 8 MiB); a nested column reads the chunks of all its leaves and nothing else.
 * Before anything is decoded, every page header of those chunks is checked by {@link
 * ColumnChunkPages}: no declared size may reach past its chunk or exceed the per-page budget
 * ({@link ColumnChunkPages#maxPageBytes()}, 256 MiB by default), sizes must agree with the codec,
 * value counts with the row group, and page checksums are verified when present. A file declaring
 * an impossible size fails with a {@link CorruptParquetException} naming it, without allocating
 * that size. Pages are then decompressed one at a time and decoded with parquet-java's column-level
 * API ({@link ColumnReader}), which handles every encoding parquet-java supports (plain,
 * dictionary, RLE, delta, byte-stream-split), data pages v1 and v2, and the codecs parquet-java
 * ships (uncompressed, snappy, gzip, zstd, lz4_raw). Values go straight into Arrow buffers: no
 * per-row objects.
 *
 * <p>Every type {@link ParquetSchemas} maps is decoded: flat primitive columns (INT96 timestamps
 * included) and nested columns (structs, lists in the standard and legacy forms, maps, repeated
 * fields, and any nesting of them). Nested columns are assembled from repetition and definition
 * levels straight into Arrow validity and offset buffers, with the nulls, empty lists and
 * nullability Arrow C++'s reader produces. Each slice of a nested column is an independent vector
 * tree (its own buffers, offsets starting at 0), ready for Arrow IPC through {@code
 * getFieldBuffers()} over {@code getChildrenFromFields()}. Arrow Java's list and map vectors name
 * their child {@code $data$} whatever the field says: the field names of a column are those of
 * {@link ParquetSchemas}, which a consumer should use as the schema.
 *
 * <p>Stateless and thread-safe; the {@link StorageInput} is borrowed (never closed) and used by one
 * call at a time.
 */
public final class RowGroupDecoder {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(RowGroupDecoder.class);

  // Codec implementations only read settings; one configuration without default resources serves
  // every call (loading Hadoop's defaults per call would cost milliseconds).
  private static final Configuration HADOOP_CONF = new Configuration(false);

  private RowGroupDecoder() {}

  /**
   * Decodes {@code columns} of row group {@code rowGroup}.
   *
   * <p>Each column's values come back as a list of vectors ("slices") of {@code batchRows}
   * top-level rows, the last one shorter if the row count is not a multiple; every column is sliced
   * at the same row boundaries, nested ones included (a slice holds whole rows with all their
   * repeated values). An empty row group gives empty lists. Vector types follow {@link
   * ParquetSchemas}.
   *
   * <p><b>Ownership:</b> every vector is allocated from {@code allocator} and owned by the caller,
   * who must close it. If the call fails, everything it allocated has been closed before the
   * exception propagates.
   *
   * @param footer the file's footer, e.g. from {@link ParquetFooters#read}
   * @param columns top-level column names, no duplicates; the returned map has this order
   * @param batchRows rows per slice, a positive multiple of 8
   * @return column name to slices, in the order of {@code columns}
   * @throws IllegalArgumentException if a column does not exist, the row group does not exist or
   *     {@code batchRows} is invalid
   * @throws UnsupportedParquetSchemaException if a requested column has a type Quiver does not
   *     decode
   * @throws CorruptParquetException if a column chunk cannot be decoded or one of its pages
   *     declares an impossible size (see {@link ColumnChunkPages}); names the file, row group and
   *     column
   * @throws IllegalArgumentException also if the system property {@value
   *     ColumnChunkPages#MAX_PAGE_BYTES_PROPERTY} is set but not a number
   * @throws org.apache.arrow.memory.OutOfMemoryException if {@code allocator} runs out
   * @throws IOException if storage fails (as thrown by {@code input})
   */
  public static Map<String, List<FieldVector>> decode(
      StorageInput input,
      ParquetMetadata footer,
      int rowGroup,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows)
      throws IOException {
    return decode(input, footer, rowGroup, columns, allocator, batchRows, ReadOptions.DEFAULTS);
  }

  /**
   * Decodes like {@link #decode(StorageInput, ParquetMetadata, int, List, BufferAllocator, int)},
   * reading the file as {@code options} say (INT96 timestamps in their unit).
   */
  public static Map<String, List<FieldVector>> decode(
      StorageInput input,
      ParquetMetadata footer,
      int rowGroup,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows,
      ReadOptions options)
      throws IOException {
    if (!MemoryUtil.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("Quiver decodes Parquet on little-endian hosts only");
    }
    Objects.requireNonNull(footer, "footer");
    List<BlockMetaData> blocks = footer.getBlocks();
    MessageType schema = footer.getFileMetaData().getSchema();
    UnitRequest.check(
        input,
        ParquetSchemas.topLevelNames(schema),
        "Row group",
        blocks.size(),
        rowGroup,
        columns,
        allocator,
        batchRows);
    Location location = input.entry().location();
    List<Type> types = new ArrayList<>(columns.size());
    List<ParquetSchemas.FieldNode> nodes = new ArrayList<>(columns.size());
    for (String name : columns) {
      Type type = schema.getType(name);
      nodes.add(ParquetSchemas.toNode(type, options.int96TimestampUnit()));
      types.add(type);
    }
    MessageType projection = new MessageType(schema.getName(), types);
    BlockMetaData block = blocks.get(rowGroup);
    if (block.getRowCount() > Integer.MAX_VALUE) {
      throw new CorruptParquetException(
          "Row group "
              + rowGroup
              + " of "
              + location
              + " claims "
              + block.getRowCount()
              + " rows, more than Quiver decodes in one row group");
    }
    int rowCount = (int) block.getRowCount();

    Map<String, List<FieldVector>> result = new LinkedHashMap<>();
    for (String name : columns) {
      result.put(name, new ArrayList<>());
    }
    if (rowCount == 0) {
      return result;
    }
    // Per column, a flat ColumnDecoder or a NestedColumnDecoder; converters mirror the projection.
    List<Object> decoders = new ArrayList<>(columns.size());
    List<Converter> converters = new ArrayList<>(columns.size());
    for (int i = 0; i < columns.size(); i++) {
      ParquetSchemas.FieldNode node = nodes.get(i);
      if (node.isFlat()) {
        ColumnDescriptor descriptor =
            projection.getColumnDescription(new String[] {columns.get(i)});
        ColumnDecoder decoder = ColumnDecoder.create(node.field, descriptor);
        if (decoder instanceof ColumnDecoder.VariableWidthDecoder variable) {
          variable.expectBytesPerRow(expectedBytesPerRow(block, columns.get(i), rowCount));
        }
        decoders.add(decoder);
        converters.add(decoder);
      } else {
        NestedColumnDecoder nested = new NestedColumnDecoder(node);
        decoders.add(nested);
        converters.add(nested.converter(types.get(i)));
      }
    }

    boolean done = false;
    // A codec factory per call: release() returns its decompressors to Hadoop's pool.
    CodecFactory codecs = new CodecFactory(HADOOP_CONF, 0);
    try {
      String createdBy = footer.getFileMetaData().getCreatedBy();
      PageReadStore pages =
          ChunkPageStore.read(
              input,
              block,
              rowGroup,
              projection,
              codecs,
              ColumnChunkPages.maxPageBytes(),
              ParquetFooters.chunkPadding(createdBy));
      ColumnReadStoreImpl store =
          new ColumnReadStoreImpl(
              pages, new RootConverter(converters), projection, createdBy == null ? "" : createdBy);
      for (int i = 0; i < columns.size(); i++) {
        if (decoders.get(i) instanceof NestedColumnDecoder nested) {
          decodeNestedColumn(
              store,
              projection,
              block,
              nested,
              rowCount,
              batchRows,
              allocator,
              result.get(columns.get(i)),
              location,
              rowGroup);
        } else {
          decodeColumn(
              pages,
              store,
              projection.getColumnDescription(new String[] {columns.get(i)}),
              (ColumnDecoder) decoders.get(i),
              rowCount,
              batchRows,
              allocator,
              result.get(columns.get(i)),
              location,
              rowGroup);
        }
      }
      done = true;
      return result;
    } finally {
      codecs.release();
      if (!done) {
        closeAll(result);
      }
    }
  }

  private static void decodeColumn(
      PageReadStore pages,
      ColumnReadStoreImpl store,
      ColumnDescriptor descriptor,
      ColumnDecoder decoder,
      int rowCount,
      int batchRows,
      BufferAllocator allocator,
      List<FieldVector> slices,
      Location location,
      int rowGroup)
      throws CorruptParquetException {
    String name = decoder.field.getName();
    try {
      long values = pages.getPageReader(descriptor).getTotalValueCount();
      if (values != rowCount) {
        throw new CorruptParquetException(
            corruptPrefix(location, rowGroup, name)
                + "the chunk has "
                + values
                + " values but the row group has "
                + rowCount
                + " rows");
      }
      ColumnReader reader = store.getColumnReader(descriptor);
      for (int start = 0; start < rowCount; start += batchRows) {
        slices.add(decoder.decode(reader, Math.min(batchRows, rowCount - start), allocator));
      }
    } catch (OutOfMemoryException | ColumnDecoder.SliceTooLargeException e) {
      throw e;
    } catch (RuntimeException e) {
      // parquet-java reports damaged pages with assorted unchecked exceptions.
      throw corrupt(corruptPrefix(location, rowGroup, name), e);
    }
  }

  private static void decodeNestedColumn(
      ColumnReadStoreImpl store,
      MessageType projection,
      BlockMetaData block,
      NestedColumnDecoder decoder,
      int rowCount,
      int batchRows,
      BufferAllocator allocator,
      List<FieldVector> slices,
      Location location,
      int rowGroup)
      throws CorruptParquetException {
    String name = decoder.name();
    try {
      for (NestedColumnDecoder.Leaf leaf : decoder.leaves()) {
        ColumnDescriptor descriptor = projection.getColumnDescription(leaf.node.path);
        ColumnChunkMetaData chunk = chunk(block, leaf.node.path);
        double valuesPerRow = 1;
        double bytesPerValue = 8;
        if (chunk != null && chunk.getValueCount() > 0) {
          valuesPerRow = (double) chunk.getValueCount() / rowCount;
          SizeStatistics sizes = chunk.getSizeStatistics();
          long bytes =
              sizes != null && sizes.getUnencodedByteArrayDataBytes().isPresent()
                  ? sizes.getUnencodedByteArrayDataBytes().get()
                  : chunk.getTotalUncompressedSize();
          bytesPerValue = (double) bytes / chunk.getValueCount();
        }
        leaf.bind(store.getColumnReader(descriptor), valuesPerRow, bytesPerValue);
      }
      for (int start = 0; start < rowCount; start += batchRows) {
        slices.add(decoder.decode(Math.min(batchRows, rowCount - start), allocator));
      }
      decoder.checkExhausted();
    } catch (OutOfMemoryException | ColumnDecoder.SliceTooLargeException e) {
      throw e;
    } catch (RuntimeException e) {
      // parquet-java reports damaged pages with assorted unchecked exceptions.
      throw corrupt(corruptPrefix(location, rowGroup, name), e);
    }
  }

  private static ColumnChunkMetaData chunk(BlockMetaData block, String[] path) {
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      if (Arrays.equals(chunk.getPath().toArray(), path)) {
        return chunk;
      }
    }
    return null;
  }

  /**
   * A damaged-data error for a client: {@code prefix} (file, row group, column) and what went wrong
   * when that is a decoding message; a JVM or library exception's own text (an index out of bounds,
   * a null pointer, a Thrift dump) is not for clients — it is logged here, and the client reads
   * that the pages cannot be decoded.
   */
  static CorruptParquetException corrupt(String prefix, RuntimeException e) {
    String message = e.getMessage();
    if (e instanceof org.apache.parquet.io.ParquetDecodingException
        && message != null
        && message.length() <= 300
        && !message.contains("Exception")
        && !message.contains("\n")) {
      return new CorruptParquetException(prefix + message, e);
    }
    LOG.warn("{}could not decode the pages", prefix, e);
    return new CorruptParquetException(
        prefix + "its pages cannot be decoded (the file is damaged or written wrongly)", e);
  }

  static String corruptPrefix(Location location, int rowGroup, String column) {
    return "Corrupt Parquet data in "
        + location
        + ", row group "
        + rowGroup
        + ", column '"
        + column
        + "': ";
  }

  /** Value bytes per row: exact when the writer stored size statistics, else a chunk estimate. */
  private static double expectedBytesPerRow(BlockMetaData block, String column, int rowCount) {
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      if (chunk.getPath().size() == 1 && chunk.getPath().toArray()[0].equals(column)) {
        SizeStatistics sizes = chunk.getSizeStatistics();
        if (sizes != null && sizes.getUnencodedByteArrayDataBytes().isPresent()) {
          return (double) sizes.getUnencodedByteArrayDataBytes().get() / rowCount;
        }
        return (double) chunk.getTotalUncompressedSize() / rowCount;
      }
    }
    return 0;
  }

  private static void closeAll(Map<String, List<FieldVector>> result) {
    for (List<FieldVector> slices : result.values()) {
      for (FieldVector vector : slices) {
        vector.close();
      }
      slices.clear();
    }
  }

  /** Hands each projected column its decoder as parquet-java's converter. */
  private static final class RootConverter extends GroupConverter {
    private final List<? extends Converter> children;

    RootConverter(List<? extends Converter> children) {
      this.children = children;
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children.get(fieldIndex);
    }

    @Override
    public void start() {}

    @Override
    public void end() {}
  }
}
