package io.quiver.catalog;

/**
 * The catalog's store cannot be reached (in a cluster: ZooKeeper is down or this node is cut off
 * from it). The change was not made. Reads go on from the catalog this node already has; changes
 * succeed again once the store is back.
 */
public final class CatalogUnavailableException extends CatalogException {
  private static final long serialVersionUID = 1L;

  public CatalogUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
