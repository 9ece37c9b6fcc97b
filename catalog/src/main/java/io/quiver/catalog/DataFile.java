package io.quiver.catalog;

import io.quiver.storage.FileEntry;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * One Parquet file of a dataset: its namespace path, its store entry (with the version every read
 * is checked against) and its footer. The footer object is shared from the metadata cache: treat it
 * as read-only.
 */
public record DataFile(NamespacePath path, FileEntry entry, ParquetMetadata footer) {
  public long rowCount() {
    return footer.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
  }
}
