package io.quiver.format;

import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * Decodes the top-level columns of one unit (row group, stripe) of a file into Arrow vectors.
 *
 * <p>Every decoder of a format produces the types of {@link FileMetadata#schema()}, so a server may
 * mix decoders within one scan.
 *
 * <p>Implementations are stateless and thread-safe; the {@link StorageInput} is borrowed (never
 * closed) and used by one call at a time.
 */
public interface UnitDecoder {
  /** The format this decoder reads, its {@link FileFormat#name()}. */
  String format();

  /** A short name users select the decoder by, e.g. {@code java} or {@code native}. */
  String name();

  /**
   * Whether this decoder can decode {@code columns} of files like {@code metadata}; when it cannot,
   * callers use the format's {@link FileFormat#defaultDecoder()}.
   */
  default boolean supports(FileMetadata metadata, List<String> columns) {
    return true;
  }

  /**
   * Decodes {@code columns} of unit {@code unit}.
   *
   * <p>Each column's values come back as a list of vectors ("slices") of {@code batchRows} rows,
   * the last one shorter; every column is sliced at the same row boundaries. Only the requested
   * columns' bytes are read from storage.
   *
   * <p><b>Ownership:</b> every vector is allocated from {@code allocator} and owned by the caller,
   * who must close it. If the call fails, everything it allocated has been closed before the
   * exception propagates.
   *
   * @param metadata the file's metadata, from this decoder's format
   * @param columns top-level column names, no duplicates; the returned map has this order
   * @param batchRows rows per slice, a positive multiple of 8
   * @throws IllegalArgumentException if a column or the unit does not exist
   * @throws IOException if storage fails (as thrown by {@code input}) or the data is corrupt (the
   *     format's corrupt-file exception, naming file, unit and column)
   * @throws org.apache.arrow.memory.OutOfMemoryException if {@code allocator} runs out
   */
  Map<String, List<FieldVector>> decode(
      StorageInput input,
      FileMetadata metadata,
      int unit,
      List<String> columns,
      BufferAllocator allocator,
      int batchRows)
      throws IOException;
}
