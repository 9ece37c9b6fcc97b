package io.quiver.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.quiver.format.parquet.ParquetFooters;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Parquet footers keyed by (location, version), so a plan of an unchanged file reads no footer
 * bytes and a changed file can never reuse an old footer. Bounded by an estimate of footer size
 * (Caffeine's weigher: row groups × columns), evicting the least valuable first.
 *
 * <p>Thread-safe.
 */
public final class FooterCache {
  private record Key(Location location, ObjectVersion version) {}

  private final Cache<Key, ParquetMetadata> cache;

  public FooterCache(long maxWeightBytes) {
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxWeightBytes)
            .<Key, ParquetMetadata>weigher(
                (k, footer) -> {
                  long chunks =
                      (long) footer.getBlocks().size()
                          * Math.max(1, footer.getFileMetaData().getSchema().getColumns().size());
                  // ~300 bytes of heap per column chunk's metadata, plus the schema.
                  return (int) Math.min(Integer.MAX_VALUE, 4096 + chunks * 300);
                })
            .build();
  }

  /**
   * The footer of {@code entry}'s version, read from {@code storage} on a miss.
   *
   * @throws io.quiver.format.parquet.CorruptParquetException if the file is not valid Parquet
   */
  public ParquetMetadata get(Storage storage, FileEntry entry) throws IOException {
    Key key = new Key(entry.location(), entry.version());
    ParquetMetadata cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    ParquetMetadata footer;
    try (StorageInput input = storage.open(entry)) {
      footer = ParquetFooters.read(input);
    }
    cache.put(key, footer);
    return footer;
  }

  public long size() {
    return cache.estimatedSize();
  }
}
