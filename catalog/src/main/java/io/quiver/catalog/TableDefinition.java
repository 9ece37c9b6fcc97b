package io.quiver.catalog;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A logical table: a dotted name ({@code sales.orders}) over a namespace path holding files of one
 * format. Immutable.
 */
public record TableDefinition(String name, NamespacePath path, String format) {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public TableDefinition {
    validateName(name);
    // Which formats exist is the catalog's FormatRegistry's business; checked when created.
    format = format.toLowerCase(Locale.ROOT);
    if (!SEGMENT.matcher(format).matches()) {
      throw new IllegalArgumentException("Invalid table format '" + format + "'");
    }
  }

  /** This table under another name (a rename). */
  public TableDefinition withName(String newName) {
    return new TableDefinition(newName, path, format);
  }

  /** This table over another path (its files were moved in the namespace). */
  public TableDefinition withPath(NamespacePath newPath) {
    return new TableDefinition(name, newPath, format);
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
