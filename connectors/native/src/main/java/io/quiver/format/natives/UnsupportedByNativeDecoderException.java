package io.quiver.format.natives;

/**
 * The native decoder refuses a column that the Java decoder ({@code RowGroupDecoder}) may still
 * decode: Arrow C++ would give it a different Arrow type than {@code ParquetSchemas} (for example a
 * nested column whose child fields Arrow C++ names or nests differently), or its column chunk is
 * too large to copy. Callers fall back to the Java decoder; {@link NativeParquetDecoder#supports}
 * predicts this before any data is read.
 */
public final class UnsupportedByNativeDecoderException extends UnsupportedOperationException {
  private static final long serialVersionUID = 1L;
  private final String column;

  public UnsupportedByNativeDecoderException(String column, String message) {
    super(message);
    this.column = column;
  }

  /** The top-level column that was refused. */
  public String column() {
    return column;
  }
}
