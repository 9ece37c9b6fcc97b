package io.quiver.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.storage.LocalDiskException;
import io.quiver.storage.Location;
import io.quiver.storage.local.LocalStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the catalog in {@code catalog.json} under a data directory. Saves write a temporary file,
 * fsync it and rename it over the old one, so a crash leaves either state, never a torn file.
 *
 * <p>Failures to read or write the file are {@link LocalDiskException}s (the node's disk, not a
 * mounted store); a file that is readable but not a catalog of this format is a plain {@link
 * IOException} naming it.
 *
 * <p>Thread-safe: loads and saves are serialized on the store.
 */
public final class FileCatalogStore implements CatalogStore {
  private static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Path file;

  public FileCatalogStore(Path dataDirectory) {
    this.file = dataDirectory.resolve("catalog.json");
  }

  public Path file() {
    return file;
  }

  @Override
  public synchronized CatalogState load() throws IOException {
    if (!Files.exists(file)) {
      return CatalogState.EMPTY;
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new LocalDiskException("Cannot read catalog file " + file + ": " + e, e);
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException("Catalog file " + file + " is not valid JSON: " + e.getMessage(), e);
    }
    int version = root.path("version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IOException(
          "Catalog file "
              + file
              + " has format version "
              + version
              + "; this build reads "
              + FORMAT_VERSION);
    }
    try {
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
                partitions));
      }
      return new CatalogState(mounts, tables);
    } catch (RuntimeException e) {
      throw new IOException("Catalog file " + file + " is damaged: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(CatalogState state) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", FORMAT_VERSION);
    ArrayNode mounts = root.putArray("mounts");
    for (Mount m : state.mounts()) {
      ObjectNode node = mounts.addObject();
      node.put("path", m.path().toString());
      node.put("target", m.target().toString());
      ObjectNode options = node.putObject("options");
      m.options().forEach(options::put);
    }
    ArrayNode tables = root.putArray("tables");
    for (TableDefinition t : state.tables()) {
      ObjectNode node = tables.addObject();
      node.put("name", t.name());
      node.put("path", t.path().toString());
      node.put("format", t.format());
      if (!t.partitionTypes().isEmpty()) {
        ObjectNode partitions = node.putObject("partitions");
        t.partitionTypes().forEach((k, v) -> partitions.put(k, v.typeName()));
      }
    }
    // LocalStorage writes atomically: temporary file, fsync, rename over the old one.
    try {
      new LocalStorage().write(Location.ofLocalPath(file), JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new LocalDiskException("Cannot write catalog file " + file + ": " + e, e);
    }
  }
}
