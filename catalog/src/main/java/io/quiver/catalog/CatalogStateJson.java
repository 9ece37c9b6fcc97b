package io.quiver.catalog;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.storage.Location;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of one catalog revision ({@link CatalogStore.Snapshot}), shared by every store that
 * keeps the catalog as bytes: {@code catalog.json} of {@link FileCatalogStore}, the parts of the
 * ZooKeeper store in a cluster.
 *
 * <p>Format version 2: {@code {"version": 2, "revision": N, "mounts": [{"path", "target",
 * "options": {…}}], "tables": [{"name", "path", "format", "partitions"?: {column: type}, "schema"?:
 * "name type, ..."}], "hidden": [path…]}}. Version 1 (before revisions) has no {@code revision} and
 * reads as revision 1.
 *
 * <p>Stateless and thread-safe.
 */
public final class CatalogStateJson {
  /** The format version this build writes. */
  public static final int FORMAT_VERSION = 2;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper INDENTED =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CatalogStateJson() {}

  /**
   * The JSON bytes (UTF-8) of {@code snapshot}.
   *
   * @param indent whether to indent it for people reading the file (a file on disk), or keep it
   *     compact (bytes sent over the network)
   */
  public static byte[] write(CatalogStore.Snapshot snapshot, boolean indent) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", FORMAT_VERSION);
    root.put("revision", snapshot.revision());
    ArrayNode mounts = root.putArray("mounts");
    for (Mount m : snapshot.state().mounts()) {
      ObjectNode node = mounts.addObject();
      node.put("path", m.path().toString());
      node.put("target", m.target().toString());
      ObjectNode options = node.putObject("options");
      m.options().forEach(options::put);
    }
    ArrayNode tables = root.putArray("tables");
    for (TableDefinition t : snapshot.state().tables()) {
      ObjectNode node = tables.addObject();
      node.put("name", t.name());
      node.put("path", t.path().toString());
      node.put("format", t.format());
      if (!t.partitionTypes().isEmpty()) {
        ObjectNode partitions = node.putObject("partitions");
        t.partitionTypes().forEach((k, v) -> partitions.put(k, v.typeName()));
      }
      if (t.schema() != null) {
        node.put("schema", DeclaredSchema.format(t.schema()));
      }
    }
    ArrayNode hidden = root.putArray("hidden");
    snapshot.state().hidden().forEach(h -> hidden.add(h.toString()));
    try {
      return (indent ? INDENTED : JSON).writeValueAsBytes(root);
    } catch (JacksonException e) {
      // A tree of strings and numbers always serializes.
      throw new IllegalStateException("Cannot serialize the catalog: " + e, e);
    }
  }

  /**
   * Parses what {@link #write} wrote.
   *
   * @param where what the bytes are, for messages: "{@code <where> is damaged (…)}", e.g. {@code
   *     "Catalog file /data/catalog.json"}
   * @throws IOException naming {@code where} if the bytes are not a catalog of a known format
   *     version
   */
  public static CatalogStore.Snapshot read(byte[] bytes, String where) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw new IOException(
          where + " is damaged (not valid JSON: " + e.getOriginalMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(where + " is damaged (not a JSON object)");
    }
    int version = root.path("version").asInt(-1);
    if (version != FORMAT_VERSION && version != 1) {
      throw new IOException(
          where + " has format version " + version + "; this build reads 1 and " + FORMAT_VERSION);
    }
    try {
      long revision = version == 1 ? 1 : root.get("revision").asLong();
      List<Mount> mounts = new ArrayList<>();
      for (JsonNode m : root.path("mounts")) {
        Map<String, String> options = new LinkedHashMap<>();
        m.path("options")
            .fields()
            .forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        mounts.add(
            new Mount(
                NamespacePath.of(m.get("path").asText()),
                Location.of(m.get("target").asText()),
                options));
      }
      List<TableDefinition> tables = new ArrayList<>();
      for (JsonNode t : root.path("tables")) {
        // "partitions" (declared partition column types) is optional: older files lack it.
        Map<String, PartitionType> partitions = new LinkedHashMap<>();
        t.path("partitions")
            .fields()
            .forEachRemaining(
                e -> partitions.put(e.getKey(), PartitionType.of(e.getValue().asText())));
        tables.add(
            new TableDefinition(
                t.get("name").asText(),
                NamespacePath.of(t.get("path").asText()),
                t.get("format").asText(),
                partitions,
                // "schema" (declared columns) is optional: older files and inferred tables lack it.
                t.hasNonNull("schema") ? DeclaredSchema.parse(t.get("schema").asText()) : null));
      }
      List<NamespacePath> hidden = new ArrayList<>();
      for (JsonNode h : root.path("hidden")) {
        hidden.add(NamespacePath.of(h.asText()));
      }
      return new CatalogStore.Snapshot(revision, new CatalogState(mounts, tables, hidden));
    } catch (RuntimeException e) {
      throw new IOException(where + " is damaged: " + e, e);
    }
  }
}
