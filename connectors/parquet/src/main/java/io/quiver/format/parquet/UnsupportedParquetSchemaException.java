package io.quiver.format.parquet;

import io.quiver.format.UnsupportedSchemaException;

/**
 * A column has a Parquet type that Quiver does not decode (INTERVAL, FLOAT16, nesting shapes Arrow
 * C++ refuses too; see {@link ParquetSchemas}). The message names the top-level column, the type
 * and, for a nested field, its path; {@link #column()} gives the top-level column name.
 */
public final class UnsupportedParquetSchemaException extends UnsupportedSchemaException {
  private static final long serialVersionUID = 1L;
  private final String column;

  public UnsupportedParquetSchemaException(String column, String type) {
    super("Column '" + column + "' has type " + type + ", which Quiver cannot decode yet");
    this.column = column;
  }

  /** The name of the top-level column that was refused. */
  public String column() {
    return column;
  }
}
