package io.quiver.catalog;

import io.quiver.format.FileMetadata;
import io.quiver.storage.FileEntry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One file of a dataset: its namespace path, its store entry (with the version every read is
 * checked against), its metadata (footer), shared from the metadata cache, and the values of its
 * hive-style partition columns.
 *
 * @param partitionValues partition column to value ({@link PartitionType}'s domain; null for {@code
 *     __HIVE_DEFAULT_PARTITION__}), in the dataset's partition column order; empty if the dataset
 *     is not partitioned
 */
public record DataFile(
    NamespacePath path,
    FileEntry entry,
    FileMetadata metadata,
    Map<String, Object> partitionValues) {
  public DataFile {
    // Values may be null: not Map.copyOf.
    partitionValues =
        partitionValues == null || partitionValues.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(partitionValues));
  }

  /** A file of an unpartitioned dataset. */
  public DataFile(NamespacePath path, FileEntry entry, FileMetadata metadata) {
    this(path, entry, metadata, Map.of());
  }

  public long rowCount() {
    return metadata.rowCount();
  }

  /** The file's format name. */
  public String format() {
    return metadata.format();
  }
}
