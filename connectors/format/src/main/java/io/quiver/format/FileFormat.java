package io.quiver.format;

import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.List;

/**
 * A columnar file format Quiver can cache (Parquet, ORC): recognises its files, reads their
 * metadata, and offers one or more {@link UnitDecoder}s that turn a unit (a Parquet row group, an
 * ORC stripe) into Arrow vectors.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} through {@link FormatRegistry}
 * and must be stateless and thread-safe.
 */
public interface FileFormat {
  /** The lower-case name used in table definitions, e.g. {@code parquet}. */
  String name();

  /** File name suffixes of this format, lower case with the dot, e.g. {@code .parquet}. */
  List<String> extensions();

  /**
   * Reads the metadata of one file version (footer, schema, units) from its tail.
   *
   * @throws IOException if storage fails; a file that is not of this format or is damaged gives an
   *     {@link IOException} subtype naming the file (the format's corrupt-file exception)
   */
  FileMetadata readMetadata(StorageInput input) throws IOException;

  /**
   * Reads the metadata of one file version as {@link #readMetadata(StorageInput)} does, for files
   * read with {@code options}: the schema is the one decoders then produce (for example INT96
   * columns in the unit the options choose), and the metadata's {@link FileMetadata#readOptions()}
   * carries the options to the decoders. The default ignores the options, for formats none of them
   * applies to.
   *
   * @throws IOException as {@link #readMetadata(StorageInput)}
   */
  default FileMetadata readMetadata(StorageInput input, ReadOptions options) throws IOException {
    return readMetadata(input);
  }

  /** The decoder that ships with the format (pure Java), always available. */
  UnitDecoder defaultDecoder();

  /** Whether {@code fileName} ends with one of {@link #extensions()} (case-insensitive). */
  default boolean matches(String fileName) {
    String lower = fileName.toLowerCase(java.util.Locale.ROOT);
    return extensions().stream().anyMatch(lower::endsWith);
  }
}
