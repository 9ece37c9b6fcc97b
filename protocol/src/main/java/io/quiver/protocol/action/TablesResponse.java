package io.quiver.protocol.action;

import java.util.List;

/** {@code tables}: {@code {"tables": [...]}}, the tables the caller may read. */
public record TablesResponse(List<TableInfo> tables) {
  public TablesResponse {
    tables = tables == null ? List.of() : List.copyOf(tables);
  }
}
