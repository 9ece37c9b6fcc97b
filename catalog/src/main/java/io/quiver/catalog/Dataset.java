package io.quiver.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What a table or namespace path holds right now: its files (sorted by path), their one format and
 * the table's Arrow schema: the files' columns unified by name (first file's order, then new
 * columns in the order seen), then the hive-style partition columns. A snapshot: files added later
 * are not in it.
 *
 * @param partitions the partition columns (the last fields of {@code schema}) and their types, in
 *     directory order; empty if the dataset is not partitioned
 */
public record Dataset(
    String name,
    NamespacePath path,
    String format,
    Schema schema,
    List<DataFile> files,
    Map<String, PartitionType> partitions) {
  public Dataset {
    files = List.copyOf(files);
    partitions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(partitions));
  }

  /** An unpartitioned dataset. */
  public Dataset(
      String name, NamespacePath path, String format, Schema schema, List<DataFile> files) {
    this(name, path, format, schema, files, Map.of());
  }

  public long rowCount() {
    return files.stream().mapToLong(DataFile::rowCount).sum();
  }

  /** Whether {@code column} is a partition column (its values come from directory names). */
  public boolean isPartitionColumn(String column) {
    return partitions.containsKey(column);
  }
}
