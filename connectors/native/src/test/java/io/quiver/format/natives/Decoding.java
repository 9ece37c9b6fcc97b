package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.ParquetSchemas;
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
import org.apache.parquet.schema.MessageType;

/** Decodes whole files row group by row group into a {@link Table}, checking the slicing. */
final class Decoding {
  /** The shape of {@code RowGroupDecoder.decode} and {@code NativeParquetDecoder.decode}. */
  @FunctionalInterface
  interface RowGroupDecode {
    Map<String, List<FieldVector>> decode(
        StorageInput input,
        ParquetMetadata footer,
        int rowGroup,
        List<String> columns,
        BufferAllocator allocator,
        int batchRows)
        throws IOException;
  }

  private Decoding() {}

  /**
   * Flat fields must be equal. Arrow Java 18 names the child of every list vector {@code $data$}
   * whatever its field says (both decoders create vectors with {@code Field.createVector}), so
   * below lists and maps only positions, types and nullability are compared.
   */
  static void assertSameField(Field expected, Field actual) {
    if (expected.getChildren().isEmpty()) {
      assertEquals(expected, actual, "field of slice");
    } else {
      assertTrue(
          NativeParquetDecoder.sameLayout(actual, expected, true),
          "field of slice: expected " + expected + " but got " + actual);
    }
  }

  static StorageInput open(Path file) throws IOException {
    LocalStorage storage = new LocalStorage();
    return storage.open(storage.stat(Location.ofLocalPath(file)));
  }

  static List<String> allColumns(ParquetMetadata footer) {
    List<String> names = new ArrayList<>();
    for (Field f : ParquetSchemas.toArrow(footer.getFileMetaData().getSchema()).getFields()) {
      names.add(f.getName());
    }
    return names;
  }

  /** Decodes every column of every row group of {@code file}. */
  static Table decodeAll(Path file, int batchRows, RowGroupDecode decoder) throws IOException {
    try (StorageInput input = open(file)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      return decode(input, footer, allColumns(footer), batchRows, decoder);
    }
  }

  /**
   * Decodes {@code names} of every row group; asserts the column order, the slice sizes and that
   * every slice's field equals {@link ParquetSchemas}' field exactly (metadata included).
   */
  static Table decode(
      StorageInput input,
      ParquetMetadata footer,
      List<String> names,
      int batchRows,
      RowGroupDecode decoder)
      throws IOException {
    MessageType parquet = footer.getFileMetaData().getSchema();
    List<Field> fields = new ArrayList<>();
    for (String name : names) {
      fields.add(
          ParquetSchemas.toArrow(new MessageType(parquet.getName(), parquet.getType(name)))
              .getFields()
              .get(0));
    }
    Schema schema = new Schema(fields);
    Table.Builder table = Table.builder(schema);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int rowGroup = 0; rowGroup < footer.getBlocks().size(); rowGroup++) {
        long rows = footer.getBlocks().get(rowGroup).getRowCount();
        Map<String, List<FieldVector>> columns =
            decoder.decode(input, footer, rowGroup, names, allocator, batchRows);
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
              assertSameField(fields.get(c), slice.getField());
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
