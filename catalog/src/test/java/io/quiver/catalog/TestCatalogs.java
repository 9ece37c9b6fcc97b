package io.quiver.catalog;

import com.github.benmanes.caffeine.cache.Ticker;
import io.quiver.format.FormatRegistry;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.StorageProvider;
import io.quiver.storage.StorageRegistry;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** The catalog set-up the catalog's tests share: a catalog over one store provider, and files. */
final class TestCatalogs {
  private TestCatalogs() {}

  /** A clock that moves only when a test advances it. Thread-safe. */
  static final class FakeTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1);

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /**
   * A catalog over {@code store} whose mounts open their storage with {@code provider}; its kept
   * listings age by {@code ticker}. The caller closes it (before {@code store}).
   */
  static Catalog catalog(CatalogStore store, StorageProvider provider, Ticker ticker)
      throws IOException {
    return new Catalog(
        store,
        new StorageRegistry(List.of(provider)),
        FormatRegistry.loadInstalled(),
        new StorageMetrics(),
        new MetadataCache(16L << 20, ListingCache.DEFAULT_MAX_ENTRIES, ticker));
  }

  /** Like {@link #catalog(CatalogStore, StorageProvider, Ticker)} on the system's clock. */
  static Catalog catalog(CatalogStore store, StorageProvider provider) throws IOException {
    return catalog(store, provider, Ticker.systemTicker());
  }

  /** A Parquet file of 100 rows of every type, {@code name} in {@code dir} (created). */
  static Path parquet(Path dir, String name, long seed) throws Exception {
    return ParquetTestFiles.writeAllTypesWithParquetHadoop(
        Files.createDirectories(dir),
        name,
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        100,
        1 << 20,
        seed);
  }
}
