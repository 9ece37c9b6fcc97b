package io.quiver.catalog;

import java.util.List;

/**
 * The persisted part of the catalog: mounts, tables, and the namespace paths moved away from (a
 * metadata-only {@code mv} of a directory inside a mount shows it at the new path through a mount
 * of its own and hides it at the old one; the store is not touched). Immutable.
 */
public record CatalogState(
    List<Mount> mounts, List<TableDefinition> tables, List<NamespacePath> hidden) {
  public static final CatalogState EMPTY = new CatalogState(List.of(), List.of(), List.of());

  public CatalogState {
    mounts = List.copyOf(mounts);
    tables = List.copyOf(tables);
    hidden = List.copyOf(hidden);
  }

  /** A state with nothing hidden. */
  public CatalogState(List<Mount> mounts, List<TableDefinition> tables) {
    this(mounts, tables, List.of());
  }

  /** This state with other mounts. */
  public CatalogState withMounts(List<Mount> next) {
    return new CatalogState(next, tables, hidden);
  }

  /** This state with other tables. */
  public CatalogState withTables(List<TableDefinition> next) {
    return new CatalogState(mounts, next, hidden);
  }

  /** Whether {@code path} is at or below a path moved away from. */
  public boolean isHidden(NamespacePath path) {
    return hidden.stream().anyMatch(h -> h.contains(path));
  }
}
