package io.quiver.catalog;

/** A mount that cannot be made: missing target, bad options, unreachable store. */
public class InvalidMountException extends CatalogException {
  private static final long serialVersionUID = 1L;

  public InvalidMountException(String message) {
    super(message);
  }

  public InvalidMountException(String message, Throwable cause) {
    super(message, cause);
  }
}
