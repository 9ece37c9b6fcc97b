package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertIterableEquals;

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
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** Decodes whole ORC files stripe by stripe with {@link StripeDecoder}, checking the slicing. */
final class DecodedOrc {
  private DecodedOrc() {}

  static StorageInput open(Path file) throws IOException {
    LocalStorage storage = new LocalStorage();
    return storage.open(storage.stat(Location.ofLocalPath(file)));
  }

  /** Decodes every column of every stripe of {@code file}. */
  static Table decodeAll(Path file, int batchRows) throws IOException {
    try (StorageInput input = open(file)) {
      OrcMetadata metadata = OrcFooters.read(input);
      List<String> names = new ArrayList<>();
      for (Field f : metadata.schema().getFields()) {
        names.add(f.getName());
      }
      return decode(input, metadata, names, batchRows);
    }
  }

  /** Decodes {@code names} of every stripe; the table's schema is the projection's. */
  static Table decode(StorageInput input, OrcMetadata metadata, List<String> names, int batchRows)
      throws IOException {
    List<Field> fields = new ArrayList<>();
    for (String name : names) {
      fields.add(metadata.schema().findField(name));
    }
    Schema schema = new Schema(fields);
    Table.Builder table = Table.builder(schema);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int stripe = 0; stripe < metadata.unitCount(); stripe++) {
        long rows = metadata.unitRows(stripe);
        Map<String, List<FieldVector>> columns =
            StripeDecoder.decode(input, metadata, stripe, names, allocator, batchRows);
        try {
          assertIterableEquals(names, columns.keySet(), "column order");
          int expectedSlices = (int) ((rows + batchRows - 1) / batchRows);
          for (int c = 0; c < names.size(); c++) {
            List<FieldVector> slices = columns.get(names.get(c));
            assertEquals(expectedSlices, slices.size(), "slices of " + names.get(c));
            for (int s = 0; s < slices.size(); s++) {
              FieldVector slice = slices.get(s);
              long expectedRows = Math.min(batchRows, rows - (long) s * batchRows);
              assertEquals(expectedRows, slice.getValueCount(), names.get(c) + " slice " + s);
              assertEquals(
                  listChildrenAsItem(fields.get(c)),
                  listChildrenAsItem(slice.getField()),
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

  /**
   * {@code field} with every list's element field named {@code item}: Arrow Java's {@code
   * ListVector.getField()} names it {@code $data$} whatever the vector was created from, so the
   * schema a reader announces ({@link OrcMetadata#schema()}) is the authority on names.
   */
  static Field listChildrenAsItem(Field field) {
    List<Field> children = new ArrayList<>();
    for (Field child : field.getChildren()) {
      Field fixed = listChildrenAsItem(child);
      if (field.getType() instanceof ArrowType.List) {
        fixed = new Field("item", fixed.getFieldType(), fixed.getChildren());
      }
      children.add(fixed);
    }
    return new Field(field.getName(), field.getFieldType(), children);
  }
}
