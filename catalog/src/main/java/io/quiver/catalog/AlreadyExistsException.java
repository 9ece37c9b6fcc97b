package io.quiver.catalog;

/** A mount or table that already exists under that name. */
public class AlreadyExistsException extends CatalogException {
  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(String message) {
    super(message);
  }

  public AlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
