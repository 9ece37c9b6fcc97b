package io.quiver.catalog;

import java.io.IOException;

/**
 * Where the catalog's state lives between restarts (an embedded file on one node; ZooKeeper in a
 * cluster). Implementations are thread-safe; {@link #save} is atomic: after a crash either the old
 * or the new state is read back, never a mix.
 */
public interface CatalogStore {
  CatalogState load() throws IOException;

  void save(CatalogState state) throws IOException;
}
