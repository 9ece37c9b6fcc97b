package io.quiver.catalog;

/**
 * A table whose files cannot be served: no Parquet files, differing schemas, unreadable footers.
 */
public class InvalidTableException extends CatalogException {
  private static final long serialVersionUID = 1L;

  public InvalidTableException(String message) {
    super(message);
  }

  public InvalidTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
