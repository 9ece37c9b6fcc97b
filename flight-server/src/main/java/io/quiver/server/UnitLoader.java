package io.quiver.server;

import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ColumnChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.ResolvedPath;
import io.quiver.format.FileMetadata;
import io.quiver.format.UnitDecoder;
import io.quiver.storage.CountingStorageInput;
import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * Gets the column chunks of one unit (row group, stripe) of one file version from the cache,
 * decoding the missing ones in one pass over the file with the mount's or the server's decoder.
 * Shared by DoGet streams and the {@code cache-load} action.
 *
 * <p>Thread-safe (the cache does single-flight loading).
 */
final class UnitLoader {
  private final Catalog catalog;
  private final ChunkCache cache;
  private final int batchRows;
  private final String defaultDecoder;

  UnitLoader(Catalog catalog, ChunkCache cache, int batchRows, String defaultDecoder) {
    this.catalog = catalog;
    this.cache = cache;
    this.batchRows = batchRows;
    this.defaultDecoder = defaultDecoder;
  }

  int batchRows() {
    return batchRows;
  }

  /**
   * The cache keys of {@code columns} of one unit of one file version read with {@code metadata}'s
   * options, in column order: files read with other options (a mount's {@code
   * int96-timestamp-unit}) decode to other values, so their keys differ in {@link
   * ColumnChunkKey#variant()}.
   */
  static List<ColumnChunkKey> keys(
      FileEntry entry, FileMetadata metadata, int unit, List<String> columns) {
    List<ColumnChunkKey> keys = new ArrayList<>(columns.size());
    String file = entry.location().toString();
    String variant = metadata.readOptions().cacheVariant();
    for (String c : columns) {
      keys.add(new ColumnChunkKey(file, entry.version().token(), unit, c, variant));
    }
    return keys;
  }

  /**
   * The chunks of {@code columns} of unit {@code unit}, loading what is missing.
   *
   * <p>Ownership: each returned {@link CachedChunk} is one reference owned by the caller, who must
   * close it (the map's values).
   *
   * @param stats where the bytes read from the store and served from the cache are counted, or
   *     null; updated on this thread only (the cache calls the loader on the caller's thread)
   * @throws io.quiver.format.UnsupportedSchemaException if a column is one Quiver cannot decode
   */
  Map<ColumnChunkKey, CachedChunk> acquire(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<String> columns,
      StreamStats stats)
      throws IOException {
    metadata.checkDecodable(columns);
    Set<ColumnChunkKey> decodedHere = stats == null ? null : new HashSet<>();
    Map<ColumnChunkKey, CachedChunk> chunks =
        cache.getAll(
            keys(entry, metadata, unit, columns),
            (missing, allocator) -> {
              if (decodedHere != null) {
                decodedHere.addAll(missing);
              }
              return load(resolved, entry, metadata, unit, missing, allocator, stats);
            });
    if (stats != null) {
      for (CachedChunk c : chunks.values()) {
        if (decodedHere.contains(c.key())) {
          stats.chunksLoaded++;
          stats.loadedBytes += c.chunk().sizeBytes();
        } else {
          stats.chunksCached++;
          stats.cacheBytes += c.chunk().sizeBytes();
        }
      }
    }
    return chunks;
  }

  private Map<ColumnChunkKey, ColumnChunk> load(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<ColumnChunkKey> missing,
      BufferAllocator allocator,
      StreamStats stats)
      throws IOException {
    List<String> names = missing.stream().map(ColumnChunkKey::column).toList();
    UnitDecoder decoder = decoderFor(resolved, metadata, names);
    Map<String, List<FieldVector>> decoded;
    StorageInput opened = resolved.storage().open(entry);
    try (StorageInput input =
        stats == null ? opened : new CountingStorageInput(opened, n -> stats.storageBytes += n)) {
      decoded = decoder.decode(input, metadata, unit, names, allocator, batchRows);
    }
    Map<ColumnChunkKey, ColumnChunk> loaded = new LinkedHashMap<>();
    try {
      for (ColumnChunkKey k : missing) {
        loaded.put(k, new ColumnChunk(decoded.get(k.column())));
      }
    } catch (RuntimeException e) {
      // Nothing may leak: close every vector, wrapped or not.
      decoded.values().forEach(slices -> slices.forEach(FieldVector::close));
      throw e;
    }
    return loaded;
  }

  /** The mount's decoder if it chose one, else the server's; the format's own if unsupported. */
  private UnitDecoder decoderFor(
      ResolvedPath resolved, FileMetadata metadata, List<String> columns) {
    String chosen = resolved.mount().decoder();
    return catalog
        .formats()
        .decoder(metadata.format(), chosen != null ? chosen : defaultDecoder, metadata, columns);
  }
}
