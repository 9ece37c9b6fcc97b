package io.quiver.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.protocol.Filter;
import io.quiver.protocol.FilterJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The content of a DoGet ticket: which columns of which row groups of which file versions to
 * stream. Files are named by namespace path (resolved through the mounts at DoGet time, so a ticket
 * cannot reach outside the namespace) plus the length and version the plan saw.
 *
 * <p>A ticket may carry a row filter ({@link FilterJson}); the stream then sends only the rows for
 * which it is TRUE.
 *
 * <p>On the wire a ticket is signed by the node that planned it ({@link TicketSigner}): clients
 * cannot forge or alter one.
 */
public record ScanTicket(
    List<String> columns,
    List<Part> parts,
    Filter filter,
    String source,
    int pruned,
    Schema schema) {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  /**
   * Units {@code rowGroups} (row groups, stripes) of one version of the file at namespace path
   * {@code path}, read as {@code format}, with the values of the table's partition columns for this
   * file ({@link Long} for int64 and date (days), {@link String}, or null).
   */
  public record Part(
      String path,
      String format,
      long length,
      String version,
      List<Integer> rowGroups,
      Map<String, Object> partitions) {
    public Part {
      rowGroups = List.copyOf(rowGroups);
      partitions =
          partitions == null || partitions.isEmpty()
              ? Map.of()
              : Collections.unmodifiableMap(new LinkedHashMap<>(partitions));
    }

    /** A part of an unpartitioned table. */
    public Part(String path, String format, long length, String version, List<Integer> rowGroups) {
      this(path, format, length, version, rowGroups, Map.of());
    }
  }

  /**
   * @param columns the columns to send
   * @param parts the units to read
   * @param filter rows to send (the server removes the others), or null for all
   * @param source what the client scanned (table name or namespace path), for the scan's log line;
   *     null if unknown
   * @param pruned units the plan left out by statistics, reported by this ticket's stream (a plan
   *     puts its count on its first ticket only, so the streams of a plan sum to the plan's count)
   * @param schema the table's fields of the columns the stream reads ({@code columns}, then those
   *     only the filter reads), which files may lack (read as nulls) or hold narrower (widened), or
   *     null when every file has exactly these columns (a ticket of an older planner)
   */
  public ScanTicket {
    columns = List.copyOf(columns);
    parts = List.copyOf(parts);
    if (pruned < 0) {
      throw new IllegalArgumentException("pruned units must be >= 0: " + pruned);
    }
  }

  /** A ticket whose files all have the table's schema. */
  public ScanTicket(
      List<String> columns, List<Part> parts, Filter filter, String source, int pruned) {
    this(columns, parts, filter, source, pruned, null);
  }

  /** A ticket without a source name or pruned units. */
  public ScanTicket(List<String> columns, List<Part> parts, Filter filter) {
    this(columns, parts, filter, null, 0);
  }

  /** A ticket without a filter. */
  public ScanTicket(List<String> columns, List<Part> parts) {
    this(columns, parts, null);
  }

  /** The ticket's content as JSON (without the signer's frame). */
  ObjectNode toJson() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode cols = root.putArray("c");
    columns.forEach(cols::add);
    ArrayNode ps = root.putArray("f");
    for (Part p : parts) {
      ObjectNode node = ps.addObject();
      node.put("p", p.path());
      node.put("t", p.format());
      node.put("l", p.length());
      node.put("v", p.version());
      ArrayNode groups = node.putArray("g");
      p.rowGroups().forEach(groups::add);
      if (!p.partitions().isEmpty()) {
        ObjectNode values = node.putObject("k");
        p.partitions()
            .forEach(
                (k, v) -> {
                  if (v == null) {
                    values.putNull(k);
                  } else if (v instanceof Long l) {
                    values.put(k, l);
                  } else {
                    values.put(k, v.toString());
                  }
                });
      }
    }
    if (schema != null) {
      root.put("s", schema.toJson());
    }
    if (filter != null) {
      root.set("w", FilterJson.toJson(filter));
    }
    if (source != null) {
      root.put("n", source);
    }
    if (pruned > 0) {
      root.put("r", pruned);
    }
    return root;
  }

  /**
   * Reads {@link #toJson()}'s form back.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static ScanTicket fromJson(JsonNode root) {
    List<String> columns = new ArrayList<>();
    for (JsonNode c : required(root, "c")) {
      columns.add(c.textValue());
    }
    List<Part> parts = new ArrayList<>();
    for (JsonNode p : required(root, "f")) {
      List<Integer> groups = new ArrayList<>();
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (JsonNode g : required(p, "g")) {
        if (!g.canConvertToInt() || g.intValue() < 0) {
          throw new IllegalArgumentException("bad row group " + g);
        }
        if (!seen.add(g.intValue())) {
          throw new IllegalArgumentException("row group " + g + " listed twice");
        }
        groups.add(g.intValue());
      }
      Map<String, Object> partitions = new LinkedHashMap<>();
      JsonNode k = p.get("k");
      if (k != null) {
        k.fields()
            .forEachRemaining(
                e ->
                    partitions.put(
                        e.getKey(),
                        e.getValue().isNull()
                            ? null
                            : e.getValue().isIntegralNumber()
                                ? (Object) e.getValue().longValue()
                                : e.getValue().asText()));
      }
      parts.add(
          new Part(
              required(p, "p").textValue(),
              required(p, "t").textValue(),
              required(p, "l").longValue(),
              required(p, "v").textValue(),
              groups,
              partitions));
    }
    if (columns.isEmpty() || columns.contains(null) || parts.isEmpty()) {
      throw new IllegalArgumentException("no columns or files");
    }
    JsonNode w = root.get("w");
    Filter filter = w == null || w.isNull() ? null : FilterJson.parse(w);
    JsonNode n = root.get("n");
    JsonNode r = root.get("r");
    if (r != null && (!r.canConvertToInt() || r.intValue() < 0)) {
      throw new IllegalArgumentException("bad pruned unit count " + r);
    }
    JsonNode s = root.get("s");
    Schema schema;
    try {
      schema = s == null || s.isNull() ? null : Schema.fromJSON(s.asText());
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("bad schema: " + e.getMessage(), e);
    }
    return new ScanTicket(
        columns,
        parts,
        filter,
        n == null || n.isNull() ? null : n.asText(),
        r == null ? 0 : r.intValue(),
        schema);
  }

  static ObjectMapper json() {
    return JSON;
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return v;
  }
}
