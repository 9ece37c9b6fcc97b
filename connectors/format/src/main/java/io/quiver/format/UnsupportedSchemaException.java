package io.quiver.format;

/**
 * A column of a type Quiver does not decode, asked for by a scan; the message names the column and
 * its type. The file's other columns can still be read (see {@link
 * FileMetadata#unsupportedColumns()}); a server reports it as {@code unsupported-file}, not as a
 * bad request or corrupt data. Formats subclass it.
 */
public class UnsupportedSchemaException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnsupportedSchemaException(String message) {
    super(message);
  }
}
