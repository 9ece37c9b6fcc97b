package io.quiver.catalog;

/** A table name that is not defined. */
public class NoSuchTableException extends CatalogException {
  private static final long serialVersionUID = 1L;

  public NoSuchTableException(String message) {
    super(message);
  }

  public NoSuchTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
