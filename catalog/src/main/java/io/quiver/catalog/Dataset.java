package io.quiver.catalog;

import java.util.List;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What a table or namespace path holds right now: its files (sorted by path), their one format and
 * their common Arrow schema. A snapshot: files added later are not in it.
 */
public record Dataset(
    String name, NamespacePath path, String format, Schema schema, List<DataFile> files) {
  public Dataset {
    files = List.copyOf(files);
  }

  public long rowCount() {
    return files.stream().mapToLong(DataFile::rowCount).sum();
  }
}
