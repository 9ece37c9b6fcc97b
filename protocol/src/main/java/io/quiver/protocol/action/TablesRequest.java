package io.quiver.protocol.action;

/**
 * {@code tables}: {@code {}} lists every table the caller may read; {@code {"schema": "a.b"}} lists
 * what is directly in schema {@code a.b} (tables {@code a.b.x} and sub-schemas {@code a.b.c}) like
 * a directory, and {@code {"schema": ""}} the top level.
 *
 * @param schema a dotted schema name, {@code ""} for the top level, or null for every table
 */
public record TablesRequest(String schema) {
  /** Every table. */
  public static final TablesRequest ALL = new TablesRequest(null);

  public TablesRequest {
    if (schema != null) {
      schema = schema.strip();
      while (schema.endsWith(".")) {
        schema = schema.substring(0, schema.length() - 1); // "a.b." names the schema a.b
      }
    }
  }
}
