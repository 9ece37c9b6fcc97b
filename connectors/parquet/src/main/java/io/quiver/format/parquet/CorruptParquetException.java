package io.quiver.format.parquet;

import io.quiver.format.CorruptFileException;

/**
 * A file cannot be read as Parquet: it is not Parquet at all, it is truncated, or its footer or a
 * column chunk is damaged. The message names the file and, where known, the row group and column.
 * Retrying will not help; the file has to be rewritten.
 */
public final class CorruptParquetException extends CorruptFileException {
  private static final long serialVersionUID = 1L;

  public CorruptParquetException(String message) {
    super(message);
  }

  public CorruptParquetException(String message, Throwable cause) {
    super(message, cause);
  }
}
