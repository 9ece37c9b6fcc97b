package io.quiver.catalog;

/** A namespace path that is not under any mount, or where nothing exists. */
public class NoSuchPathException extends CatalogException {
  private static final long serialVersionUID = 1L;

  public NoSuchPathException(String message) {
    super(message);
  }

  public NoSuchPathException(String message, Throwable cause) {
    super(message, cause);
  }
}
