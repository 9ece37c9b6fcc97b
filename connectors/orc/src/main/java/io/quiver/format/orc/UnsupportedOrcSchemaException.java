package io.quiver.format.orc;

import io.quiver.format.UnsupportedSchemaException;

/**
 * A column has an ORC type that Quiver does not decode (today: {@code uniontype}, anywhere in the
 * column). The message names the top-level column and its ORC type; {@link #column()} gives the
 * column name.
 */
public final class UnsupportedOrcSchemaException extends UnsupportedSchemaException {
  private static final long serialVersionUID = 1L;
  private final String column;

  public UnsupportedOrcSchemaException(String column, String type, String reason) {
    super(
        "Column '" + column + "' has ORC type " + type + ", which Quiver cannot decode: " + reason);
    this.column = column;
  }

  /** The name of the top-level column that was refused. */
  public String column() {
    return column;
  }
}
