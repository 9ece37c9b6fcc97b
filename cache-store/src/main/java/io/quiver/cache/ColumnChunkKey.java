package io.quiver.cache;

import java.util.Objects;

/**
 * Identifies the decoded data of one column of one row group of one version of a source file.
 *
 * <p>The {@code version} is the source's version token (ETag, generation, or mtime+length). A
 * changed file has a different version, so a key built from a fresh stat can never match an entry
 * decoded from older bytes.
 *
 * <p>Immutable value; safe to share between threads.
 *
 * @param file the source location, in the form the caller uses everywhere (opaque to the cache)
 * @param version the source version token
 * @param rowGroup the row group (or stripe) index, zero based
 * @param column the column name (a dotted path for nested columns)
 */
public record ColumnChunkKey(String file, String version, int rowGroup, String column) {

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
    if (rowGroup < 0) {
      throw new IllegalArgumentException("rowGroup must be >= 0: " + rowGroup);
    }
  }
}
