package io.quiver.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.ReadOptions;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import java.io.IOException;

/**
 * File metadata (footers) keyed by (location, version, format, read options), so a plan of an
 * unchanged file reads no footer bytes and a changed file can never reuse an old footer. Bounded by
 * the metadata's own heap estimate (Caffeine's weigher), evicting the least valuable first.
 *
 * <p>Thread-safe. Two threads missing the same key may both read the footer; the second result
 * replaces the first (they are equal).
 */
public final class MetadataCache {
  private record Key(
      Location location, ObjectVersion version, String format, ReadOptions options) {}

  private final Cache<Key, FileMetadata> cache;

  private final ListingCache listings;

  /** A cache of footers up to {@code maxWeightBytes} and the default bound of listings. */
  public MetadataCache(long maxWeightBytes) {
    this(maxWeightBytes, ListingCache.DEFAULT_MAX_ENTRIES);
  }

  /**
   * @param maxWeightBytes the most heap the footers kept may take
   * @param maxListedEntries the most store entries the listings kept may hold (see {@link
   *     ListingCache})
   */
  public MetadataCache(long maxWeightBytes, long maxListedEntries) {
    this(
        maxWeightBytes, maxListedEntries, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
  }

  /**
   * Like {@link #MetadataCache(long, long)} with the time source of the kept listings' ages (and so
   * of every mount's {@link SyncPolicy} interval): tests pass a fake one and advance it instead of
   * sleeping.
   */
  public MetadataCache(
      long maxWeightBytes,
      long maxListedEntries,
      com.github.benmanes.caffeine.cache.Ticker ticker) {
    this.listings = new ListingCache(maxListedEntries, ticker);
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxWeightBytes)
            .<Key, FileMetadata>weigher(
                (k, metadata) -> (int) Math.min(Integer.MAX_VALUE, metadata.heapBytes()))
            .build();
  }

  /**
   * The metadata of {@code entry}'s version read as {@code format}, from {@code storage} on a miss.
   *
   * @throws io.quiver.format.CorruptFileException if the file is not valid in that format
   */
  public FileMetadata get(Storage storage, FileEntry entry, FileFormat format) throws IOException {
    return get(storage, entry, format, ReadOptions.DEFAULTS);
  }

  /**
   * The metadata of {@code entry}'s version read as {@code format} with {@code options}, from
   * {@code storage} on a miss.
   *
   * @throws io.quiver.format.CorruptFileException if the file is not valid in that format
   */
  public FileMetadata get(Storage storage, FileEntry entry, FileFormat format, ReadOptions options)
      throws IOException {
    Key key = new Key(entry.location(), entry.version(), format.name(), options);
    FileMetadata cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    FileMetadata metadata;
    try (StorageInput input = storage.open(entry)) {
      metadata = format.readMetadata(input, options);
    }
    cache.put(key, metadata);
    return metadata;
  }

  /** The node's kept listings. */
  public ListingCache listings() {
    return listings;
  }

  public long size() {
    return cache.estimatedSize();
  }
}
