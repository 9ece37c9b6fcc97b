package io.quiver.format.parquet;

import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.ReadOptions;
import io.quiver.format.UnitDecoder;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.List;

/**
 * Parquet as a {@link FileFormat}: footers through {@link ParquetFooters}, units are row groups,
 * decoded by {@link RowGroupDecoder} (the {@code java} decoder). Stateless and thread-safe.
 */
public final class ParquetFormat implements FileFormat {
  /** The format's name in table definitions. */
  public static final String NAME = "parquet";

  private static final UnitDecoder JAVA_DECODER = new JavaDecoder();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> extensions() {
    return List.of(".parquet");
  }

  /**
   * @throws CorruptParquetException if the file is not valid Parquet
   */
  @Override
  public ParquetFileMetadata readMetadata(StorageInput input) throws IOException {
    return new ParquetFileMetadata(ParquetFooters.read(input));
  }

  /**
   * @throws CorruptParquetException if the file is not valid Parquet
   */
  @Override
  public ParquetFileMetadata readMetadata(StorageInput input, ReadOptions options)
      throws IOException {
    return new ParquetFileMetadata(ParquetFooters.read(input), options);
  }

  @Override
  public UnitDecoder defaultDecoder() {
    return JAVA_DECODER;
  }

  /** {@link RowGroupDecoder} as a {@link UnitDecoder} named {@code java}. */
  private static final class JavaDecoder implements UnitDecoder {
    @Override
    public String format() {
      return NAME;
    }

    @Override
    public String name() {
      return "java";
    }

    @Override
    public java.util.Map<String, List<org.apache.arrow.vector.FieldVector>> decode(
        StorageInput input,
        FileMetadata metadata,
        int unit,
        List<String> columns,
        org.apache.arrow.memory.BufferAllocator allocator,
        int batchRows)
        throws IOException {
      return RowGroupDecoder.decode(
          input,
          ParquetFileMetadata.footerOf(metadata),
          unit,
          columns,
          allocator,
          batchRows,
          metadata.readOptions());
    }
  }
}
