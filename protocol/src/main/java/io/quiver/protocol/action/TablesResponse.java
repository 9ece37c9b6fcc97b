package io.quiver.protocol.action;

import java.util.List;

/**
 * {@code tables}: {@code {"tables": [...]}}, the tables the caller may read; when a schema was
 * asked for, only those directly in it, and {@code "schemas": [{"name": "a.b.c", "tables": 3}]},
 * its sub-schemas (full names) with how many tables the caller may read below each.
 *
 * @param schemas null unless a schema was asked for
 */
public record TablesResponse(List<TableInfo> tables, List<SchemaInfo> schemas) {
  public TablesResponse {
    tables = tables == null ? List.of() : List.copyOf(tables);
    schemas = schemas == null ? null : List.copyOf(schemas);
  }

  /** Every table, no schema asked for. */
  public TablesResponse(List<TableInfo> tables) {
    this(tables, null);
  }

  /**
   * A schema below the one listed.
   *
   * @param name its full dotted name
   * @param tables the tables below it (at any depth) the caller may read
   */
  public record SchemaInfo(String name, long tables) {
    public SchemaInfo {
      ActionJson.required(name, "name");
    }
  }
}
