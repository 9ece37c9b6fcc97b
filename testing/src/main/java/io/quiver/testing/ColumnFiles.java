package io.quiver.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Small Parquet files of flat columns for catalog tests (partitioned tables, schema evolution),
 * written with Arrow C++ ({@link ParquetTestFiles#writeWithArrowCpp}). A column is declared with
 * its type and its values: {@code int32} ({@link Integer}), {@code int64} ({@link Long}), {@code
 * float} ({@link Float}), {@code double} ({@link Double}) or {@code string} ({@link String}); null
 * is a null value.
 *
 * <p>Not thread-safe: one builder per file.
 */
public final class ColumnFiles {
  private final Map<String, String> types = new LinkedHashMap<>();
  private final Map<String, List<?>> values = new LinkedHashMap<>();

  private ColumnFiles() {}

  /** A file with no columns yet. */
  public static ColumnFiles file() {
    return new ColumnFiles();
  }

  /** Adds column {@code name} of {@code type} ({@code int32}, {@code int64}, ...). */
  public ColumnFiles column(String name, String type, List<?> columnValues) {
    if (!values.isEmpty() && values.values().iterator().next().size() != columnValues.size()) {
      throw new IllegalArgumentException("Column " + name + " has a different number of rows");
    }
    types.put(name, type);
    values.put(name, new ArrayList<>(columnValues));
    return this;
  }

  /** Writes the file at {@code file} (its directories are created) and returns it. */
  public Path write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    List<Field> fields = new ArrayList<>();
    types.forEach(
        (name, type) -> fields.add(new Field(name, FieldType.nullable(arrow(type)), null)));
    int rows = values.isEmpty() ? 0 : values.values().iterator().next().size();
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator)) {
      root.allocateNew();
      for (FieldVector v : root.getFieldVectors()) {
        List<?> column = values.get(v.getName());
        for (int i = 0; i < rows; i++) {
          Object x = column.get(i);
          if (x == null) {
            v.setNull(i);
          } else if (v instanceof IntVector iv) {
            iv.setSafe(i, (Integer) x);
          } else if (v instanceof BigIntVector bv) {
            bv.setSafe(i, (Long) x);
          } else if (v instanceof Float4Vector fv) {
            fv.setSafe(i, (Float) x);
          } else if (v instanceof Float8Vector dv) {
            dv.setSafe(i, (Double) x);
          } else {
            ((VarCharVector) v).setSafe(i, ((String) x).getBytes(StandardCharsets.UTF_8));
          }
        }
        v.setValueCount(rows);
      }
      root.setRowCount(rows);
      // Arrow C++ writes into the directory; the name is the caller's.
      return ParquetTestFiles.writeWithArrowCpp(
          file.getParent(), file.getFileName().toString(), root, Math.max(1, rows));
    }
  }

  private static ArrowType arrow(String type) {
    return switch (type) {
      case "int32" -> new ArrowType.Int(32, true);
      case "int64" -> new ArrowType.Int(64, true);
      case "float" -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case "double" -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case "string" -> ArrowType.Utf8.INSTANCE;
      default -> throw new IllegalArgumentException("Unknown column type " + type);
    };
  }
}
