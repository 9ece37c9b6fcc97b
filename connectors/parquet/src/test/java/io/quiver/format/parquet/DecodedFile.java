package io.quiver.format.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.storage.Location;
import io.quiver.storage.StorageInput;
import io.quiver.storage.local.LocalStorage;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/** Decodes whole files with {@link RowGroupDecoder} into a {@link Table}, checking slicing. */
final class DecodedFile {
  private DecodedFile() {}

  static StorageInput open(Path file) throws IOException {
    LocalStorage storage = new LocalStorage();
    return storage.open(storage.stat(Location.ofLocalPath(file)));
  }

  /**
   * Type, nullability and children of {@code field}; the names of children are left out because
   * Arrow Java's list and map vectors call their child {@code $data$} whatever the field says (the
   * schema from {@link ParquetSchemas} is the one that names them; see assertSameTableDeep).
   */
  static String shape(Field field, boolean withName) {
    StringBuilder sb = new StringBuilder();
    if (withName) {
      sb.append(field.getName()).append(": ");
    }
    sb.append(field.getType()).append(field.isNullable() ? "" : " not null");
    if (!field.getChildren().isEmpty()) {
      sb.append('<');
      for (Field child : field.getChildren()) {
        sb.append(shape(child, false)).append(", ");
      }
      sb.append('>');
    }
    return sb.toString();
  }

  /** Decodes every column of every row group of {@code file}. */
  static Table decodeAll(Path file, int batchRows) throws IOException {
    try (StorageInput input = open(file)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      Schema schema = ParquetSchemas.toArrow(footer.getFileMetaData().getSchema());
      List<String> names = new ArrayList<>();
      for (Field f : schema.getFields()) {
        names.add(f.getName());
      }
      return decode(input, footer, schema, names, batchRows);
    }
  }

  static Table decode(
      StorageInput input, ParquetMetadata footer, Schema schema, List<String> names, int batchRows)
      throws IOException {
    Table.Builder table = Table.builder(schema);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int rowGroup = 0; rowGroup < footer.getBlocks().size(); rowGroup++) {
        long rows = footer.getBlocks().get(rowGroup).getRowCount();
        Map<String, List<FieldVector>> columns =
            RowGroupDecoder.decode(input, footer, rowGroup, names, allocator, batchRows);
        try {
          assertEquals(names, new ArrayList<>(columns.keySet()), "column order");
          int expectedSlices = (int) ((rows + batchRows - 1) / batchRows);
          for (int c = 0; c < names.size(); c++) {
            List<FieldVector> slices = columns.get(names.get(c));
            assertEquals(expectedSlices, slices.size(), "slices of " + names.get(c));
            for (int s = 0; s < slices.size(); s++) {
              FieldVector slice = slices.get(s);
              long expectedRows = Math.min(batchRows, rows - (long) s * batchRows);
              assertEquals(expectedRows, slice.getValueCount(), names.get(c) + " slice " + s);
              assertEquals(
                  shape(schema.getFields().get(c), true),
                  shape(slice.getField(), true),
                  "field of slice");
              table.append(names.get(c), slice);
            }
          }
        } finally {
          columns.values().forEach(slices -> slices.forEach(FieldVector::close));
        }
      }
    }
    return table.build();
  }
}
