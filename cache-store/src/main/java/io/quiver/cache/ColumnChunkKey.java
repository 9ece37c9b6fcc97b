package io.quiver.cache;

import java.util.Objects;

/**
 * Identifies the decoded data of one column of one row group of one version of a source file.
 *
 * <p>The {@code version} is the source's version token (ETag, generation, or mtime+length). A
 * changed file has a different version, so a key built from a fresh stat can never match an entry
 * decoded from older bytes.
 *
 * <p>The {@code variant} tells apart decodings of the same bytes that give different values — a
 * mount reading INT96 timestamps as microseconds, say, next to one reading them as nanoseconds — so
 * they never share an entry; it is empty for the default decoding. Chunks of one file, row group
 * and column with different variants are kept side by side; with different versions, the newer one
 * replaces the older.
 *
 * <p>Immutable value; safe to share between threads.
 *
 * @param file the source location, in the form the caller uses everywhere (opaque to the cache)
 * @param version the source version token
 * @param rowGroup the row group (or stripe) index, zero based
 * @param column the column name (a dotted path for nested columns)
 * @param variant how the bytes were decoded, opaque to the cache; empty for the default
 */
public record ColumnChunkKey(
    String file, String version, int rowGroup, String column, String variant) {

  /** A key of the default decoding (empty {@code variant}). */
  public ColumnChunkKey(String file, String version, int rowGroup, String column) {
    this(file, version, rowGroup, column, "");
  }

  /**
   * Validates the components.
   *
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code rowGroup} is negative
   */
  public ColumnChunkKey {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(variant, "variant");
    if (rowGroup < 0) {
      throw new IllegalArgumentException("rowGroup must be >= 0: " + rowGroup);
    }
  }
}
