package io.quiver.catalog;

import io.quiver.format.FileMetadata;
import io.quiver.storage.FileEntry;

/**
 * One file of a dataset: its namespace path, its store entry (with the version every read is
 * checked against) and its metadata (footer), shared from the metadata cache.
 */
public record DataFile(NamespacePath path, FileEntry entry, FileMetadata metadata) {
  public long rowCount() {
    return metadata.rowCount();
  }

  /** The file's format name. */
  public String format() {
    return metadata.format();
  }
}
