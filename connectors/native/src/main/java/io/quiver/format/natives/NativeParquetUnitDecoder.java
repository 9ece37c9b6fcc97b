package io.quiver.format.natives;

import io.quiver.format.FileMetadata;
import io.quiver.format.UnitDecoder;
import io.quiver.format.parquet.ParquetFileMetadata;
import io.quiver.format.parquet.ParquetFormat;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * {@link NativeParquetDecoder} as the Parquet format's {@link UnitDecoder} named {@value #NAME}.
 * {@link #supports} is {@link NativeParquetDecoder#supports} (and false where the JNI library does
 * not load); when it says no, callers use the format's default (Java) decoder. Immutable and
 * thread-safe.
 */
public final class NativeParquetUnitDecoder implements UnitDecoder {
  /** The name users select this decoder by. */
  public static final String NAME = "native";

  private final NativeParquetDecoder decoder;

  /** A unit decoder over {@link NativeParquetDecoder#defaultInstance()}. */
  public NativeParquetUnitDecoder() {
    this(NativeParquetDecoder.defaultInstance());
  }

  public NativeParquetUnitDecoder(NativeParquetDecoder decoder) {
    this.decoder = Objects.requireNonNull(decoder, "decoder");
  }

  @Override
  public String format() {
    return ParquetFormat.NAME;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean supports(FileMetadata metadata, List<String> columns) {
    // Without the JNI library (another OS or CPU) the Java decoder serves everything.
    return NativeParquetDecoder.isAvailable()
        && NativeParquetDecoder.supports(
            ParquetFileMetadata.footerOf(metadata), columns, metadata.readOptions());
  }

  @Override
  public Map<String, List<FieldVector>> decode(
      StorageInput input,
      FileMetadata metadata,
      int unit,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows)
      throws IOException {
    return decoder.decodeRowGroup(
        input,
        ParquetFileMetadata.footerOf(metadata),
        unit,
        columns,
        allocator,
        batchRows,
        metadata.readOptions());
  }
}
