package io.quiver.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A logical table: a dotted name ({@code sales.orders}) over a namespace path holding files of one
 * format, with the types declared for some of its hive-style partition columns (the others are
 * inferred from their values) and, optionally, its declared columns. Immutable.
 *
 * @param partitionTypes declared partition column types by column name (may be empty)
 * @param schema the declared columns ({@link DeclaredSchema}; every one nullable, no partition
 *     column), or null to infer them from the files' footers. Files are read against it: a column a
 *     file lacks reads as nulls, a file's other columns are not exposed, and a file whose column
 *     cannot be widened to the declared type is refused.
 */
public record TableDefinition(
    String name,
    NamespacePath path,
    String format,
    Map<String, PartitionType> partitionTypes,
    Schema schema) {
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
    if (schema != null) {
      if (schema.getFields().isEmpty()) {
        throw new IllegalArgumentException("Table " + name + " declares no column");
      }
      for (Field f : schema.getFields()) {
        if (!f.getChildren().isEmpty()) {
          throw new IllegalArgumentException(
              "Column '" + f.getName() + "' of table " + name + ": nested types are not declared");
        }
        if (partitionTypes.containsKey(f.getName())) {
          throw new IllegalArgumentException(
              "Column '"
                  + f.getName()
                  + "' of table "
                  + name
                  + " is declared both as a column and as a partition column; declare a"
                  + " partition column's type with --partition only");
        }
      }
    }
  }

  /** A table with declared partition column types and columns inferred from the files. */
  public TableDefinition(
      String name, NamespacePath path, String format, Map<String, PartitionType> partitionTypes) {
    this(name, path, format, partitionTypes, null);
  }

  /** A table whose partition column types are all inferred. */
  public TableDefinition(String name, NamespacePath path, String format) {
    this(name, path, format, Map.of());
  }

  /** This table under another name (a rename). */
  public TableDefinition withName(String newName) {
    return new TableDefinition(newName, path, format, partitionTypes, schema);
  }

  /** This table over another path (its files were moved in the namespace). */
  public TableDefinition withPath(NamespacePath newPath) {
    return new TableDefinition(name, newPath, format, partitionTypes, schema);
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
