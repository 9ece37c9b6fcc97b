package io.quiver.format.natives;

import io.quiver.format.ReadOptions;
import io.quiver.format.UnitRequest;
import io.quiver.format.parquet.CorruptParquetException;
import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.ParquetSchemas;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.format.parquet.UnsupportedParquetSchemaException;
import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.JniLoader;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes top-level columns of one Parquet row group with Arrow C++'s Parquet reader (through the
 * {@code arrow-dataset} JNI bindings): the second implementation of {@link RowGroupDecoder}'s
 * contract, same signature, same result, typically several times faster.
 *
 * <p>How: the requested columns' chunk byte ranges are read through the {@link StorageInput} (one
 * read per contiguous range, nothing else), their pages are checked (headers, declared sizes and
 * counts against the chunk, the per-page budget and the codec, CRC-32 where present; see {@link
 * ChunkPages}), and the raw chunks are written with a footer of their own into a temporary
 * single-row-group Parquet file in the scratch directory (see {@link RowGroupExtract}). Arrow C++
 * scans that file with {@code batchSize = batchRows}; each batch's buffers are imported into a
 * short-lived child of the caller's root allocator and cut into per-column slices owned by the
 * caller's allocator by one copy each (see {@link BatchSlicer} for why a copy), so every slice owns
 * exactly its own bytes. The temporary file is deleted before the call returns or throws.
 *
 * <p><b>Types.</b> Every vector is created from {@link ParquetSchemas}' field, as the Java
 * decoder's are, so a server may mix both decoders in one stream. Arrow C++ gives those types
 * because the temporary file carries no {@code ARROW:schema} metadata (no dictionary-encoded, large
 * or zoned types come back). A column whose Arrow C++ field still differs from Quiver's (type,
 * nullability or child names at any depth, except the names of list and map children, which buffers
 * do not depend on) is refused with {@link UnsupportedByNativeDecoderException} naming it. {@link
 * #supports} accepts exactly the flat (primitive, non-repeated) columns {@link ParquetSchemas}
 * maps; nested columns decode here too (and matched the Java decoder in the tests that exist), but
 * {@link #supports} leaves them to the Java decoder until they are tested as widely as flat ones.
 * Note that Arrow Java 18 names the child of every list vector it creates {@code $data$}, whatever
 * the field says; both decoders share that.
 *
 * <p><b>Memory.</b> The returned vectors are accounted in {@code allocator}. While a batch is being
 * copied it is also held, once, in a child of {@code allocator}'s root named {@code
 * native-parquet-import} (not under {@code allocator}'s limit). Arrow C++'s own working memory
 * (decompression buffers, the reader's scratch) comes from its default memory pool and is not; nor
 * is the temporary file, which lives in RAM when the scratch directory is {@code /dev/shm}.
 *
 * <p>Instances are immutable and thread-safe; the static methods use {@link #defaultInstance()}.
 * The {@link StorageInput} is borrowed (never closed) and used by one call at a time.
 */
public final class NativeParquetDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(NativeParquetDecoder.class);

  /** How long to wait for Arrow C++ to release buffers it exported before calling it a leak. */
  private static final long RELEASE_TIMEOUT_NANOS = 10_000_000_000L;

  private static final NativeParquetDecoder DEFAULT =
      new NativeParquetDecoder(defaultScratchDirectory());

  private final Path scratchDirectory;

  /**
   * A decoder writing its temporary files to {@code scratchDirectory}, which must exist and be
   * writable; files there are private to one call and deleted before it returns.
   */
  public NativeParquetDecoder(Path scratchDirectory) {
    this.scratchDirectory = Objects.requireNonNull(scratchDirectory, "scratchDirectory");
    int stale = RowGroupExtract.deleteStale(scratchDirectory);
    if (stale > 0) {
      LOG.info(
          "Deleted {} temporary file(s) of stopped Quiver processes in {}",
          stale,
          scratchDirectory);
    }
  }

  /** The decoder the static methods use, with {@link #defaultScratchDirectory()}. */
  public static NativeParquetDecoder defaultInstance() {
    return DEFAULT;
  }

  /**
   * {@code /dev/shm} when it is a writable directory (temporary files then never touch a disk),
   * else {@code java.io.tmpdir}.
   */
  public static Path defaultScratchDirectory() {
    Path shm = Paths.get("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Paths.get(System.getProperty("java.io.tmpdir"));
  }

  /** Where this decoder writes its temporary files. */
  public Path scratchDirectory() {
    return scratchDirectory;
  }

  /**
   * Whether Arrow C++ can be used here: the {@code arrow-dataset} JNI library loads (it ships for
   * Linux x86_64 only) and the host is little-endian. The first call loads the library (~0.5 s).
   */
  public static boolean isAvailable() {
    return MemoryUtil.LITTLE_ENDIAN && NativeLibrary.FAILURE == null;
  }

  /**
   * Whether {@link #decode} can decode {@code columns} of files with this footer, so callers can
   * choose the Java decoder otherwise: true when Arrow C++ is {@linkplain #isAvailable()
   * available}, {@code columns} is non-empty without duplicates, every column exists, is flat
   * (primitive, not repeated) and has a type {@link ParquetSchemas} maps, no requested column chunk
   * exceeds 2 GiB or is Brotli-compressed (this Arrow C++ build lacks the codec), and the file is
   * not one of old parquet-mr's PARQUET-816 files. Never throws for bad column names (it returns
   * false); reads nothing.
   */
  public static boolean supports(ParquetMetadata footer, List<String> columns) {
    return supports(footer, columns, ReadOptions.DEFAULTS);
  }

  /**
   * Like {@link #supports(ParquetMetadata, List)} for files read with {@code options}: also false
   * when a requested column is INT96 and the options ask for another unit than nanoseconds (the
   * Java arrow-dataset bindings cannot pass Arrow C++'s {@code coerce_int96_timestamp_unit}, and
   * values outside the nanosecond range have wrapped by the time they reach Java).
   */
  public static boolean supports(
      ParquetMetadata footer, List<String> columns, ReadOptions options) {
    Objects.requireNonNull(footer, "footer");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(columns, "columns");
    if (columns.isEmpty() || new HashSet<>(columns).size() != columns.size()) {
      return false;
    }
    if (ParquetFooters.chunkPadding(footer.getFileMetaData().getCreatedBy()) > 0) {
      return false; // PARQUET-816 chunks: the Java decoder reads past their declared size
    }
    MessageType schema = footer.getFileMetaData().getSchema();
    for (String name : columns) {
      if (!schema.containsField(name)) {
        return false;
      }
      Type type = schema.getType(name);
      if (!type.isPrimitive() || type.isRepetition(Type.Repetition.REPEATED)) {
        return false;
      }
      if (type.asPrimitiveType().getPrimitiveTypeName()
              == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT96
          && options.int96TimestampUnit() != org.apache.arrow.vector.types.TimeUnit.NANOSECOND) {
        return false;
      }
      try {
        arrowField(schema, type, options);
      } catch (RuntimeException e) {
        // UnsupportedParquetSchemaException: a type Quiver does not decode at all.
        return false;
      }
    }
    for (BlockMetaData block : footer.getBlocks()) {
      for (var chunk : block.getColumns()) {
        if ((chunk.getTotalSize() > RowGroupExtract.MAX_CHUNK_BYTES
                // This Arrow C++ build has no Brotli; the Java decoder has.
                || chunk.getCodec() == CompressionCodecName.BROTLI)
            && columns.contains(chunk.getPath().toArray()[0])) {
          return false;
        }
      }
    }
    return isAvailable();
  }

  /**
   * Decodes {@code columns} of row group {@code rowGroup} with {@link #defaultInstance()}; the
   * contract is {@link #decodeRowGroup}'s.
   */
  public static Map<String, List<FieldVector>> decode(
      StorageInput input,
      ParquetMetadata footer,
      int rowGroup,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows)
      throws IOException {
    return DEFAULT.decodeRowGroup(input, footer, rowGroup, columns, allocator, batchRows);
  }

  /**
   * Decodes {@code columns} of row group {@code rowGroup}, exactly like {@link
   * RowGroupDecoder#decode}.
   *
   * <p>Each column's values come back as a list of vectors ("slices") of {@code batchRows} rows,
   * the last one shorter if the row count is not a multiple; every column is sliced at the same row
   * boundaries. An empty row group gives empty lists (and reads nothing). Vector fields are {@link
   * ParquetSchemas}' fields.
   *
   * <p><b>Ownership:</b> every vector is accounted in {@code allocator} and owned by the caller,
   * who must close it. If the call fails, everything it allocated has been closed, and the
   * temporary file deleted, before the exception propagates.
   *
   * @param footer the file's footer, e.g. from {@code ParquetFooters.read}
   * @param columns top-level column names, no duplicates; the returned map has this order
   * @param batchRows rows per slice, a positive multiple of 8
   * @return column name to slices, in the order of {@code columns}
   * @throws IllegalArgumentException if a column or the row group does not exist, or {@code
   *     batchRows} is invalid
   * @throws UnsupportedParquetSchemaException if a requested column has a type Quiver does not
   *     decode at all
   * @throws UnsupportedByNativeDecoderException if a column is one the Java decoder must decode
   *     (see the class comment), or Arrow C++ is not {@linkplain #isAvailable() available}
   * @throws CorruptParquetException if a column chunk cannot be decoded; names the file, row group
   *     and column
   * @throws OutOfMemoryException if {@code allocator} runs out
   * @throws IOException if storage fails (as thrown by {@code input}) or the scratch directory
   *     cannot be written
   */
  public Map<String, List<FieldVector>> decodeRowGroup(
      StorageInput input,
      ParquetMetadata footer,
      int rowGroup,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows)
      throws IOException {
    return decodeRowGroup(
        input, footer, rowGroup, columns, allocator, batchRows, ReadOptions.DEFAULTS);
  }

  /**
   * Decodes like {@link #decodeRowGroup(StorageInput, ParquetMetadata, int, List, BufferAllocator,
   * int)} for a file read with {@code options}; an INT96 column asked for in another unit than
   * nanoseconds is refused with {@link UnsupportedByNativeDecoderException} (see {@link
   * #supports(ParquetMetadata, List, ReadOptions)}).
   */
  public Map<String, List<FieldVector>> decodeRowGroup(
      StorageInput input,
      ParquetMetadata footer,
      int rowGroup,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows,
      ReadOptions options)
      throws IOException {
    Objects.requireNonNull(footer, "footer");
    Objects.requireNonNull(options, "options");
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
    List<Field> fields = new ArrayList<>(columns.size());
    for (String name : columns) {
      fields.add(arrowField(schema, schema.getType(name), options));
    }
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
    if (block.getRowCount() == 0) {
      Map<String, List<FieldVector>> empty = new LinkedHashMap<>();
      columns.forEach(name -> empty.put(name, new ArrayList<>()));
      return empty;
    }
    if (!isAvailable()) {
      throw new UnsupportedByNativeDecoderException(
          columns.get(0),
          "Arrow C++ is not available on this host: "
              + (MemoryUtil.LITTLE_ENDIAN ? NativeLibrary.FAILURE : "big-endian"));
    }
    // The extract keeps the file's column order; Arrow C++ projects by name.
    Set<String> requested = Set.copyOf(columns);
    List<Type> types = new ArrayList<>();
    for (Type type : schema.getFields()) {
      if (requested.contains(type.getName())) {
        types.add(type);
      }
    }
    MessageType projection = new MessageType(schema.getName(), types);

    Path file = RowGroupExtract.write(input, footer, rowGroup, projection, scratchDirectory);
    Throwable failure = null;
    try {
      return scan(
          file, columns, fields, allocator, batchRows, block.getRowCount(), location, rowGroup);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          // The decoded data is fine; a stale scratch file is not worth failing the call for.
          LOG.warn("Could not delete the temporary file {}: {}", file, e.toString());
        }
      }
    }
  }

  private static Map<String, List<FieldVector>> scan(
      Path file,
      List<String> columns,
      List<Field> fields,
      BufferAllocator allocator,
      int batchRows,
      long rowCount,
      Location location,
      int rowGroup)
      throws IOException {
    // Arrow C++'s batches are imported into a child of the caller's root allocator: accounted in
    // the caller's tree (a leak shows up there) but not under the caller's own limit. Why: Arrow
    // Java 18's C data import leaks its 256-byte ArrowArray struct when the import allocator runs
    // out mid-import, which a bounded cache allocator would make routine. Imports are transient
    // (one batch at a time); what stays is copied into the caller's allocator, where running out
    // fails cleanly.
    BufferAllocator root = allocator.getRoot();
    BufferAllocator scanAllocator =
        root.newChildAllocator("native-parquet-import", 0, root.getLimit());
    BatchSlicer slicer = new BatchSlicer(fields, scanAllocator, allocator, batchRows);
    Map<String, List<FieldVector>> result = null;
    Throwable failure = null;
    try {
      try {
        scanInto(file, columns, batchRows, scanAllocator, fields, slicer);
      } catch (NativeFailure e) {
        String column =
            columns.size() == 1 ? columns.get(0) : findDamagedColumn(file, columns, scanAllocator);
        String where =
            column == null
                ? "Corrupt Parquet data in " + location + ", row group " + rowGroup + ": "
                : corruptPrefix(location, rowGroup, column);
        throw new CorruptParquetException(where + e.getCause().getMessage(), e.getCause());
      }
      if (slicer.rows() != rowCount) {
        throw new CorruptParquetException(
            "Corrupt Parquet data in "
                + location
                + ", row group "
                + rowGroup
                + ": Arrow C++ read "
                + slicer.rows()
                + " rows but the row group has "
                + rowCount);
      }
      result = slicer.take();
      return result;
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      slicer.close();
      try {
        closeWhenReleased(scanAllocator);
      } catch (RuntimeException e) {
        // Arrow C++ kept imported memory: a bug worth failing on, but without losing the
        // original failure or leaking the result into the caller's allocator.
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          result.values().forEach(slices -> slices.forEach(FieldVector::close));
          throw e;
        }
      }
    }
  }

  /**
   * Scans {@code file} with Arrow C++, handing every batch to {@code slicer} (or dropping it when
   * {@code slicer} is null). Failures of Arrow C++ come out as {@link NativeFailure}.
   */
  private static void scanInto(
      Path file,
      List<String> columns,
      int batchRows,
      BufferAllocator scanAllocator,
      List<Field> fields,
      BatchSlicer slicer) {
    runScan(
        file.toAbsolutePath().toUri().toString(),
        columns,
        batchRows,
        scanAllocator,
        fields,
        slicer);
  }

  // Dataset, Scanner and the factory declare close() throws Exception.
  @SuppressWarnings("try")
  private static void runScan(
      String uri,
      List<String> columns,
      int batchRows,
      BufferAllocator scanAllocator,
      List<Field> fields,
      BatchSlicer slicer) {
    ScanOptions options = new ScanOptions(batchRows, Optional.of(columns.toArray(new String[0])));
    try (FileSystemDatasetFactory factory =
            nativeCall(
                () ->
                    new FileSystemDatasetFactory(
                        scanAllocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET, uri));
        Dataset dataset = nativeCall(factory::finish);
        Scanner scanner = nativeCall(() -> dataset.newScan(options));
        ArrowReader reader = nativeCall(scanner::scanBatches)) {
      VectorSchemaRoot root = nativeCall(reader::getVectorSchemaRoot);
      if (slicer != null) {
        checkTypes(root.getSchema(), fields);
      }
      while (nativeCall(reader::loadNextBatch)) {
        if (slicer != null) {
          slicer.accept(root);
        }
      }
    } catch (RuntimeException e) {
      // NativeFailure from the calls above, or a failure of Quiver's own code: as is.
      throw e;
    } catch (Exception e) {
      // Only close() of the native resources gets here.
      throw new NativeFailure(e);
    }
  }

  /** A call into Arrow C++; its failures (other than running out of memory) as NativeFailure. */
  private static <T> T nativeCall(java.util.concurrent.Callable<T> call) {
    try {
      return call.call();
    } catch (OutOfMemoryException e) {
      throw e;
    } catch (Exception e) {
      throw new NativeFailure(e);
    }
  }

  /** Scans each column alone; the first that Arrow C++ cannot read, or null. */
  private static String findDamagedColumn(
      Path file, List<String> columns, BufferAllocator allocator) {
    for (String column : columns) {
      try {
        scanInto(file, List.of(column), 64 * 1024, allocator, List.of(), null);
      } catch (NativeFailure e) {
        return column;
      }
    }
    return null;
  }

  /** Refuses a column whose Arrow C++ field cannot be moved into Quiver's field. */
  private static void checkTypes(Schema actual, List<Field> expected) {
    for (Field field : expected) {
      Field cpp;
      try {
        cpp = actual.findField(field.getName());
      } catch (IllegalArgumentException e) {
        cpp = null;
      }
      if (cpp == null || !sameLayout(cpp, field, true)) {
        throw new UnsupportedByNativeDecoderException(
            field.getName(),
            "Arrow C++ reads column '"
                + field.getName()
                + "' as "
                + cpp
                + " but Quiver's type is "
                + field
                + "; use the Java decoder for it");
      }
    }
  }

  /**
   * Whether buffers of {@code actual} can be moved into a vector of {@code expected}: same types
   * and nullability throughout, no dictionary encoding, same child names except directly under
   * lists and maps (those vectors move their child positionally).
   */
  static boolean sameLayout(Field actual, Field expected, boolean compareName) {
    if (compareName && !actual.getName().equals(expected.getName())) {
      return false;
    }
    if (!actual.getType().equals(expected.getType())
        || actual.isNullable() != expected.isNullable()
        || actual.getDictionary() != null
        || expected.getDictionary() != null
        || actual.getChildren().size() != expected.getChildren().size()) {
      return false;
    }
    ArrowType.ArrowTypeID id = expected.getType().getTypeID();
    boolean positional =
        id == ArrowType.ArrowTypeID.List
            || id == ArrowType.ArrowTypeID.LargeList
            || id == ArrowType.ArrowTypeID.FixedSizeList
            || id == ArrowType.ArrowTypeID.Map;
    for (int i = 0; i < expected.getChildren().size(); i++) {
      if (!sameLayout(actual.getChildren().get(i), expected.getChildren().get(i), !positional)) {
        return false;
      }
    }
    return true;
  }

  private static Field arrowField(MessageType schema, Type type, ReadOptions options) {
    return ParquetSchemas.toArrow(
            new MessageType(schema.getName(), type), options.int96TimestampUnit())
        .getFields()
        .get(0);
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

  /**
   * Arrow C++ releases some buffers it exported from its own threads shortly after the reader is
   * closed; closing the allocator before that would report a leak that is not one. Polls with a
   * deadline; a real leak still fails when the allocator is closed.
   */
  private static void closeWhenReleased(BufferAllocator allocator) {
    long deadline = System.nanoTime() + RELEASE_TIMEOUT_NANOS;
    while (allocator.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(100_000L);
    }
    allocator.close();
  }

  /** An exception thrown by Arrow C++ (or the JNI layer) while opening or scanning the file. */
  private static final class NativeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NativeFailure(Exception cause) {
      super(cause);
    }
  }

  /** Loads the JNI library once; remembers why it failed, if it did. */
  private static final class NativeLibrary {
    static final Throwable FAILURE = load();

    private static Throwable load() {
      try {
        JniLoader.get().ensureLoaded();
        return null;
      } catch (Throwable t) {
        // UnsatisfiedLinkError or IllegalStateException on platforms without the library.
        LOG.info("Arrow C++ (arrow-dataset JNI) is not available: {}", t.toString());
        return t;
      }
    }
  }
}
