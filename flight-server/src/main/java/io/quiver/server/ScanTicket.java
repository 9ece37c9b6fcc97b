package io.quiver.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.protocol.Filter;
import io.quiver.protocol.FilterJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The content of a DoGet ticket: which columns of which row groups of which file versions to
 * stream. Files are named by namespace path (resolved through the mounts at DoGet time, so a ticket
 * cannot reach outside the namespace) plus the length and version the plan saw.
 *
 * <p>A ticket may carry a row filter ({@link FilterJson}); the stream then sends only the rows for
 * which it is TRUE.
 *
 * <p>Wire form: {@code "QVT" version(1 byte) payload(JSON) crc32(4 bytes)}. Opaque to clients;
 * {@link #decode} validates every part and rejects anything else with an {@link
 * IllegalArgumentException}.
 */
public record ScanTicket(List<String> columns, List<Part> parts, Filter filter) {
  private static final byte[] MAGIC = {'Q', 'V', 'T'};
  // 2: parts name their file format. 3: an optional row filter.
  private static final byte VERSION = 3;
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  /**
   * Units {@code rowGroups} (row groups, stripes) of one version of the file at namespace path
   * {@code path}, read as {@code format}.
   */
  public record Part(
      String path, String format, long length, String version, List<Integer> rowGroups) {
    public Part {
      rowGroups = List.copyOf(rowGroups);
    }
  }

  /**
   * @param columns the columns to send
   * @param parts the units to read
   * @param filter rows to send (the server removes the others), or null for all
   */
  public ScanTicket {
    columns = List.copyOf(columns);
    parts = List.copyOf(parts);
  }

  /** A ticket without a filter. */
  public ScanTicket(List<String> columns, List<Part> parts) {
    this(columns, parts, null);
  }

  public byte[] encode() {
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
    }
    if (filter != null) {
      root.set("w", FilterJson.toJson(filter));
    }
    byte[] payload;
    try {
      payload = JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode ticket", e);
    }
    ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 1 + payload.length + 4);
    buf.put(MAGIC).put(VERSION).put(payload);
    CRC32 crc = new CRC32();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /**
   * @throws IllegalArgumentException with a message saying what is wrong, for anything that is not
   *     a ticket this server made
   */
  public static ScanTicket decode(byte[] bytes) {
    if (bytes == null || bytes.length < MAGIC.length + 1 + 4 + 2) {
      throw new IllegalArgumentException("Malformed ticket: too short to be a Quiver ticket");
    }
    if (!Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException("Malformed ticket: not a Quiver ticket");
    }
    if (bytes[MAGIC.length] != VERSION) {
      throw new IllegalArgumentException(
          "Unsupported ticket version "
              + bytes[MAGIC.length]
              + " (this server makes version "
              + VERSION
              + "); call GetFlightInfo again");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    int expected = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    if ((int) crc.getValue() != expected) {
      throw new IllegalArgumentException("Malformed ticket: checksum mismatch");
    }
    String payload =
        new String(
            bytes, MAGIC.length + 1, bytes.length - MAGIC.length - 1 - 4, StandardCharsets.UTF_8);
    try {
      JsonNode root = JSON.readTree(payload);
      List<String> columns = new ArrayList<>();
      for (JsonNode c : required(root, "c")) {
        columns.add(c.textValue());
      }
      List<Part> parts = new ArrayList<>();
      for (JsonNode p : required(root, "f")) {
        List<Integer> groups = new ArrayList<>();
        for (JsonNode g : required(p, "g")) {
          if (!g.canConvertToInt() || g.intValue() < 0) {
            throw new IllegalArgumentException("bad row group " + g);
          }
          groups.add(g.intValue());
        }
        parts.add(
            new Part(
                required(p, "p").textValue(),
                required(p, "t").textValue(),
                required(p, "l").longValue(),
                required(p, "v").textValue(),
                groups));
      }
      if (columns.isEmpty() || columns.contains(null) || parts.isEmpty()) {
        throw new IllegalArgumentException("no columns or files");
      }
      JsonNode w = root.get("w");
      Filter filter = w == null || w.isNull() ? null : FilterJson.parse(w);
      return new ScanTicket(columns, parts, filter);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("Malformed ticket: " + e.getMessage(), e);
    }
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return v;
  }
}
