package io.quiver.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A logical table: a dotted name ({@code sales.orders}) over a namespace path holding files of one
 * format, with the types declared for some of its hive-style partition columns (the others are
 * inferred from their values). Immutable.
 *
 * @param partitionTypes declared partition column types by column name (may be empty)
 */
public record TableDefinition(
    String name, NamespacePath path, String format, Map<String, PartitionType> partitionTypes) {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public TableDefinition {
    validateName(name);
    // Which formats exist is the catalog's FormatRegistry's business; checked when created.
    format = format.toLowerCase(Locale.ROOT);
    if (!SEGMENT.matcher(format).matches()) {
      throw new IllegalArgumentException("Invalid table format '" + format + "'");
    }
    partitionTypes =
        partitionTypes == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(partitionTypes));
    for (String column : partitionTypes.keySet()) {
      if (column == null || column.isEmpty()) {
        throw new IllegalArgumentException("Empty partition column name in table " + name);
      }
    }
  }

  /** A table whose partition column types are all inferred. */
  public TableDefinition(String name, NamespacePath path, String format) {
    this(name, path, format, Map.of());
  }

  /** This table under another name (a rename). */
  public TableDefinition withName(String newName) {
    return new TableDefinition(newName, path, format, partitionTypes);
  }

  /** This table over another path (its files were moved in the namespace). */
  public TableDefinition withPath(NamespacePath newPath) {
    return new TableDefinition(name, newPath, format, partitionTypes);
  }

  /**
   * @throws IllegalArgumentException unless the name is dot-separated identifiers
   */
  public static void validateName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("Table name is empty");
    }
    for (String segment : name.split("\\.", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "Invalid table name '"
                + name
                + "': use dot-separated identifiers of letters, digits and '_', e.g. sales.orders");
      }
    }
  }
}
