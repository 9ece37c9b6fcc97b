package io.quiver.catalog;

import java.util.List;

/** The persisted part of the catalog: mounts and tables. Immutable. */
public record CatalogState(List<Mount> mounts, List<TableDefinition> tables) {
  public static final CatalogState EMPTY = new CatalogState(List.of(), List.of());

  public CatalogState {
    mounts = List.copyOf(mounts);
    tables = List.copyOf(tables);
  }
}
