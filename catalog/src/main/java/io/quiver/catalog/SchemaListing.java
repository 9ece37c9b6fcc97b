package io.quiver.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Table names listed like directories: the schemas of {@code a.b.c} are {@code a} and {@code a.b},
 * so listing schema {@code a} shows sub-schema {@code a.b} and listing {@code a.b} shows table
 * {@code a.b.c}. A schema exists as long as a table is below it. Immutable.
 *
 * @param tables the names of the tables directly in the schema, sorted
 * @param schemas the full names of the sub-schemas directly in it, sorted, with how many tables are
 *     below each (at any depth)
 */
public record SchemaListing(List<String> tables, Map<String, Long> schemas) {
  public SchemaListing {
    tables = List.copyOf(tables);
    schemas = Collections.unmodifiableMap(new TreeMap<>(schemas));
  }

  /**
   * What is directly in {@code schema} ({@code ""}: the top level) among the tables {@code names}.
   *
   * @throws IllegalArgumentException if {@code schema} is not a dotted name
   * @throws NoSuchTableException if no table is below a schema other than the top level
   */
  public static SchemaListing of(Collection<String> names, String schema) {
    if (!schema.isEmpty()) {
      try {
        TableDefinition.validateName(schema);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Invalid schema name '"
                + schema
                + "': use dot-separated identifiers, e.g. sales or sales.eu",
            e);
      }
    }
    String prefix = schema.isEmpty() ? "" : schema + ".";
    List<String> tables = new ArrayList<>();
    Map<String, Long> schemas = new TreeMap<>();
    for (String name : names) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      String rest = name.substring(prefix.length());
      int dot = rest.indexOf('.');
      if (dot < 0) {
        tables.add(name);
      } else {
        schemas.merge(prefix + rest.substring(0, dot), 1L, Long::sum);
      }
    }
    if (!schema.isEmpty() && tables.isEmpty() && schemas.isEmpty()) {
      boolean isTable = names.contains(schema);
      throw new NoSuchTableException(
          "No schema "
              + schema
              + (isTable ? ": it is a table (see 'quiver table describe " + schema + "')" : "")
              + (isTable ? "" : ": no table is named " + schema + ".* (see 'quiver table ls')"));
    }
    Collections.sort(tables);
    return new SchemaListing(tables, schemas);
  }
}
