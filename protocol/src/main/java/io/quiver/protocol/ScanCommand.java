package io.quiver.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A scan command: the JSON body of a Flight command descriptor that asks Quiver to plan a scan.
 *
 * <pre>
 * {"table": "sales.orders",            or "path": "/lake/orders"
 *  "columns": ["o_id", "o_total"],     optional: all columns
 *  "filter": {"op": "&gt;", "column": "o_total", "value": 100},   optional, see {@link FilterJson}
 *  "filter_version": 1,                optional, the filter encoding's version
 *  "exact": true}                      optional: false = prune units only, the client filters rows
 * </pre>
 *
 * @param table a table name, or null when {@code path} names a namespace path
 * @param path a namespace path, or null when {@code table} is set
 * @param columns the projected columns, or null for all
 * @param filter rows to keep, or null for all
 * @param exact whether the server removes every row the filter rejects (true) or only skips units
 *     whose statistics prove that none of their rows can match (false)
 */
public record ScanCommand(
    String table, String path, List<String> columns, Filter filter, boolean exact) {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static final Set<String> FIELDS =
      Set.of("table", "path", "columns", "filter", "filter_version", "exact");

  public ScanCommand {
    if ((table == null) == (path == null)) {
      throw new IllegalArgumentException("A scan command names either a \"table\" or a \"path\"");
    }
    if (columns != null) {
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("\"columns\" must be a non-empty array of column names");
      }
      columns = List.copyOf(columns);
    }
  }

  public static ScanCommand table(String table) {
    return new ScanCommand(table, null, null, null, true);
  }

  public static ScanCommand path(String path) {
    return new ScanCommand(null, path, null, null, true);
  }

  public ScanCommand withColumns(List<String> columns) {
    return new ScanCommand(table, path, columns, filter, exact);
  }

  public ScanCommand withFilter(Filter filter) {
    return new ScanCommand(table, path, columns, filter, exact);
  }

  /** With {@code exact = false}: the server prunes units but leaves row filtering to the client. */
  public ScanCommand pruneOnly() {
    return new ScanCommand(table, path, columns, filter, false);
  }

  public ObjectNode toJsonNode() {
    ObjectNode root = JSON.createObjectNode();
    if (table != null) {
      root.put("table", table);
    } else {
      root.put("path", path);
    }
    if (columns != null) {
      ArrayNode cols = root.putArray("columns");
      columns.forEach(cols::add);
    }
    if (filter != null) {
      root.set("filter", FilterJson.toJson(filter));
      root.put("filter_version", FilterJson.VERSION);
    }
    if (!exact) {
      root.put("exact", false);
    }
    return root;
  }

  /** The command's bytes, as a Flight command descriptor carries them. */
  public byte[] toBytes() {
    try {
      return JSON.writeValueAsBytes(toJsonNode());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @throws IllegalArgumentException saying what is wrong with the command
   */
  public static ScanCommand parse(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Command descriptor is not JSON; expected {\"table\": \"name\", \"columns\": [...]}");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "Command descriptor must be a JSON object such as {\"table\": \"name\"}");
    }
    root.fieldNames()
        .forEachRemaining(
            f -> {
              if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException(
                    "Unknown field \"" + f + "\" in scan command (known: " + FIELDS + ")");
              }
            });
    List<String> columns = null;
    JsonNode cols = root.get("columns");
    if (cols != null && !cols.isNull()) {
      if (!cols.isArray() || cols.isEmpty()) {
        throw new IllegalArgumentException("\"columns\" must be a non-empty array of column names");
      }
      columns = new ArrayList<>();
      for (JsonNode c : cols) {
        if (!c.isTextual()) {
          throw new IllegalArgumentException("\"columns\" must hold strings, got " + c);
        }
        columns.add(c.textValue());
      }
    }
    JsonNode version = root.get("filter_version");
    if (version != null && !version.isNull()) {
      if (!version.isIntegralNumber() || version.intValue() != FilterJson.VERSION) {
        throw new IllegalArgumentException(
            "Unsupported filter_version "
                + version
                + " (this server reads version "
                + FilterJson.VERSION
                + ")");
      }
    }
    Filter filter = null;
    JsonNode f = root.get("filter");
    if (f != null && !f.isNull()) {
      filter = FilterJson.parse(f);
    }
    boolean exact = true;
    JsonNode e = root.get("exact");
    if (e != null && !e.isNull()) {
      if (!e.isBoolean()) {
        throw new IllegalArgumentException("\"exact\" must be true or false, got " + e);
      }
      exact = e.booleanValue();
    }
    String table = text(root, "table");
    String path = text(root, "path");
    if (table == null && path == null) {
      throw new IllegalArgumentException("Command descriptor needs \"table\" or \"path\"");
    }
    if (table != null && path != null) {
      throw new IllegalArgumentException("Command descriptor names both \"table\" and \"path\"");
    }
    return new ScanCommand(table, path, columns, filter, exact);
  }

  private static String text(JsonNode root, String field) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.textValue().isEmpty()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a non-empty string");
    }
    return v.textValue();
  }
}
