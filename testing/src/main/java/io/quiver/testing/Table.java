package io.quiver.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;

/**
 * An immutable, on-heap copy of tabular Arrow data: a schema and, per column, the Java values that
 * {@link ValueVector#getObject(int)} returned, in row order. It holds no off-heap memory, so it
 * outlives the allocators and vectors it was copied from.
 *
 * <p>Values are normalized so that two tables built from equal Arrow data compare equal with {@link
 * java.util.Objects#deepEquals}:
 *
 * <ul>
 *   <li>null slots are {@code null};
 *   <li>{@link Text} (from {@code VarCharVector}) becomes {@link String};
 *   <li>{@code byte[]} (binary, fixed-size binary) is kept as returned ({@code getObject} already
 *       returns a fresh copy);
 *   <li>lists and maps/structs (nested vectors return {@code JsonStringArrayList}/{@code
 *       JsonStringHashMap}; a map vector a list of key/value structs) become unmodifiable {@link
 *       List}/{@link Map} with normalized elements, where {@code byte[]} becomes {@link Bytes} so
 *       that nested binaries compare by content;
 *   <li>everything else ({@code Integer}, {@code Long}, {@code Byte}, {@code Character} for UInt2,
 *       {@code BigDecimal}, {@code LocalDateTime}, {@code Float}, {@code Double}, {@code Boolean},
 *       ...) is kept as returned: those are immutable already.
 * </ul>
 *
 * <p>Thread-safe (immutable).
 */
public final class Table {
  private final Schema schema;
  private final Map<String, List<Object>> columns;
  private final int rowCount;

  private Table(Schema schema, Map<String, List<Object>> columns, int rowCount) {
    this.schema = schema;
    this.columns = columns;
    this.rowCount = rowCount;
  }

  /** A builder for a table with {@code schema}; columns are filled by appending vectors. */
  public static Builder builder(Schema schema) {
    return new Builder(schema);
  }

  /**
   * Copies the given batches (all with the same fields) into a table. The batches stay owned by the
   * caller. At least one batch is required, as the schema is taken from the first.
   */
  public static Table fromBatches(Iterable<? extends VectorSchemaRoot> batches) {
    Builder builder = null;
    for (VectorSchemaRoot batch : batches) {
      if (builder == null) {
        builder = builder(batch.getSchema());
      }
      builder.append(batch);
    }
    if (builder == null) {
      throw new IllegalArgumentException("No batches: cannot tell the schema");
    }
    return builder.build();
  }

  /** The fields of the table, as the source reported them. */
  public Schema schema() {
    return schema;
  }

  /** Number of rows (every column has this many values). */
  public int rowCount() {
    return rowCount;
  }

  /** Column names in schema order. */
  public List<String> columnNames() {
    return List.copyOf(columns.keySet());
  }

  /**
   * The normalized values of column {@code name}, one per row, {@code null} for null slots.
   *
   * @throws IllegalArgumentException if there is no such column
   */
  public List<Object> column(String name) {
    List<Object> values = columns.get(name);
    if (values == null) {
      throw new IllegalArgumentException("No column '" + name + "' in " + columns.keySet());
    }
    return values;
  }

  /** A table of the given rows of this one, in the given order. */
  public Table rows(List<Integer> indices) {
    Map<String, List<Object>> selected = new LinkedHashMap<>();
    for (Map.Entry<String, List<Object>> e : columns.entrySet()) {
      List<Object> values = new ArrayList<>(indices.size());
      for (int i : indices) {
        values.add(e.getValue().get(i));
      }
      selected.put(e.getKey(), Collections.unmodifiableList(values));
    }
    return new Table(schema, Collections.unmodifiableMap(selected), indices.size());
  }

  @Override
  public String toString() {
    return "Table[" + rowCount + " rows, " + schema + "]";
  }

  /**
   * Normalizes one value returned by {@code getObject} as described in the class comment.
   *
   * @return the normalized value; {@code null} for {@code null}
   */
  public static Object normalize(Object value) {
    if (value instanceof Text text) {
      return text.toString();
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object element : list) {
        copy.add(normalizeNested(element));
      }
      return Collections.unmodifiableList(copy);
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        copy.put(normalizeNested(e.getKey()), normalizeNested(e.getValue()));
      }
      return Collections.unmodifiableMap(copy);
    }
    return value;
  }

  /**
   * Inside lists and maps {@code byte[]} becomes {@link Bytes}: {@code List.equals} compares
   * elements with {@code equals}, which for arrays is identity.
   */
  private static Object normalizeNested(Object value) {
    if (value instanceof byte[] bytes) {
      return new Bytes(bytes);
    }
    return normalize(value);
  }

  /**
   * A binary value inside a nested value (list element, struct field, map key or value), compared
   * by content. The array is not copied: {@code getObject} returned a fresh one.
   */
  public record Bytes(byte[] value) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes other && java.util.Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "0x" + java.util.HexFormat.of().formatHex(value);
    }
  }

  /** Accumulates column values; not thread-safe. */
  public static final class Builder {
    private final Schema schema;
    private final Map<String, List<Object>> columns = new LinkedHashMap<>();

    private Builder(Schema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      for (Field field : schema.getFields()) {
        if (columns.put(field.getName(), new ArrayList<>()) != null) {
          throw new IllegalArgumentException("Duplicate column name '" + field.getName() + "'");
        }
      }
    }

    /**
     * Appends every row of {@code batch}, whose field names must be those of the schema, in order.
     * The batch stays owned by the caller.
     */
    public Builder append(VectorSchemaRoot batch) {
      List<String> names = new ArrayList<>();
      for (Field f : batch.getSchema().getFields()) {
        names.add(f.getName());
      }
      if (!names.equals(new ArrayList<>(columns.keySet()))) {
        throw new IllegalArgumentException(
            "Batch has columns " + names + ", table has " + columns.keySet());
      }
      for (ValueVector vector : batch.getFieldVectors()) {
        append(vector.getName(), vector);
      }
      return this;
    }

    /**
     * Appends the {@code getValueCount()} values of {@code vector} to column {@code column}. The
     * vector stays owned by the caller.
     */
    public Builder append(String column, ValueVector vector) {
      List<Object> values = columns.get(column);
      if (values == null) {
        throw new IllegalArgumentException("No column '" + column + "' in " + columns.keySet());
      }
      int n = vector.getValueCount();
      for (int i = 0; i < n; i++) {
        values.add(vector.isNull(i) ? null : normalize(vector.getObject(i)));
      }
      return this;
    }

    /**
     * The table.
     *
     * @throws IllegalStateException if columns have different numbers of values
     */
    public Table build() {
      Map<String, List<Object>> frozen = new LinkedHashMap<>();
      int rows = -1;
      for (Map.Entry<String, List<Object>> e : columns.entrySet()) {
        int size = e.getValue().size();
        if (rows >= 0 && size != rows) {
          throw new IllegalStateException(
              "Column '" + e.getKey() + "' has " + size + " values, others have " + rows);
        }
        rows = size;
        frozen.put(e.getKey(), Collections.unmodifiableList(new ArrayList<>(e.getValue())));
      }
      return new Table(schema, Collections.unmodifiableMap(frozen), Math.max(rows, 0));
    }
  }
}
