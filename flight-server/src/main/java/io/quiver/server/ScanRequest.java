package io.quiver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.catalog.NamespacePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightDescriptor;

/**
 * What a client asks to scan, parsed from a {@link FlightDescriptor}.
 *
 * <ul>
 *   <li>Path descriptor {@code ["sales","orders"]}: the table {@code sales.orders} if defined, else
 *       the namespace path {@code /sales/orders}; all columns.
 *   <li>Command descriptor, JSON: {@code {"table": "sales.orders", "columns": ["a","b"]}} or {@code
 *       {"path": "/lake/x", "columns": [...]}}; {@code columns} is optional.
 * </ul>
 *
 * @param table the table name, or null when a namespace path is named
 * @param path the namespace path when {@code table} is null
 * @param columns projected columns, or null for all
 */
public record ScanRequest(String table, NamespacePath path, List<String> columns) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param isTable tells whether a dotted name is a defined table
   * @throws IllegalArgumentException for a malformed descriptor
   */
  public static ScanRequest parse(
      FlightDescriptor descriptor, java.util.function.Predicate<String> isTable) {
    if (descriptor.isCommand()) {
      JsonNode root;
      try {
        root = JSON.readTree(descriptor.getCommand());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "Command descriptor is not JSON; expected {\"table\": \"name\", \"columns\": [...]}");
      }
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(
            "Command descriptor must be a JSON object such as {\"table\": \"name\"}");
      }
      List<String> columns = null;
      JsonNode cols = root.get("columns");
      if (cols != null && !cols.isNull()) {
        if (!cols.isArray() || cols.isEmpty()) {
          throw new IllegalArgumentException(
              "\"columns\" must be a non-empty array of column names");
        }
        columns = new ArrayList<>();
        for (JsonNode c : cols) {
          if (!c.isTextual()) {
            throw new IllegalArgumentException("\"columns\" must hold strings, got " + c);
          }
          columns.add(c.textValue());
        }
      }
      if (root.hasNonNull("table")) {
        return new ScanRequest(root.get("table").asText(), null, columns);
      }
      if (root.hasNonNull("path")) {
        return new ScanRequest(null, NamespacePath.of(root.get("path").asText()), columns);
      }
      throw new IllegalArgumentException("Command descriptor needs \"table\" or \"path\"");
    }
    List<String> segments = descriptor.getPath();
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("Empty descriptor path: name a table or a namespace path");
    }
    String dotted = String.join(".", segments);
    if (isTable.test(dotted)) {
      return new ScanRequest(dotted, null, null);
    }
    if (segments.size() == 1 && segments.get(0).contains("/")) {
      return new ScanRequest(null, NamespacePath.of(segments.get(0)), null);
    }
    return new ScanRequest(null, new NamespacePath(segments), null);
  }

  public String displayName() {
    return table != null ? table : path.toString();
  }
}
