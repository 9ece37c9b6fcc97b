package io.quiver.format;

/**
 * A file whose schema has a column of a type Quiver does not decode; the message names the column
 * and its type. Formats subclass it.
 */
public class UnsupportedSchemaException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnsupportedSchemaException(String message) {
    super(message);
  }
}
