package io.quiver.catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Unifies the schemas of a table's files by column name: columns in the first file's order, then
 * new columns in the order they are seen. A column missing from some file becomes nullable (it
 * reads as nulls there); a column that is nullable in one file is nullable in the table. Types must
 * be equal, except that a column may widen from int32 to int64 and from float to double (the files
 * of the narrower type are widened as they are read). Any other difference is refused naming the
 * column and both files.
 *
 * <p>Not thread-safe: one per dataset resolution.
 */
final class SchemaUnifier {
  /**
   * @param firstFile the first file with the column's current (widest) type
   */
  private record Column(Field field, NamespacePath firstFile, boolean inEveryFile) {}

  private final Map<String, Column> columns = new LinkedHashMap<>();
  private int fileCount;

  /**
   * Adds the schema of the next file.
   *
   * @throws InvalidTableException if a column's type cannot be unified with an earlier file's
   */
  void add(NamespacePath file, Schema schema) {
    Map<String, Field> seen = new LinkedHashMap<>();
    for (Field f : schema.getFields()) {
      if (seen.put(f.getName(), f) != null) {
        throw new InvalidTableException(
            "File " + file + " has two columns named '" + f.getName() + "'");
      }
    }
    for (Map.Entry<String, Column> e : columns.entrySet()) {
      Column c = e.getValue();
      if (c.inEveryFile() && !seen.containsKey(e.getKey())) {
        e.setValue(new Column(nullable(c.field()), c.firstFile(), false));
      }
    }
    for (Field f : seen.values()) {
      Column c = columns.get(f.getName());
      if (c == null) {
        Field field = fileCount == 0 ? f : nullable(f); // missing from the earlier files
        columns.put(f.getName(), new Column(field, file, fileCount == 0));
        continue;
      }
      Field unified = unify(c.field(), f);
      if (unified == null) {
        throw new InvalidTableException(
            "Column '"
                + f.getName()
                + "' is "
                + typeOf(c.field())
                + " in "
                + c.firstFile()
                + " but "
                + typeOf(f)
                + " in "
                + file
                + "; a table's files may differ only by missing columns and by widening int32 to"
                + " int64 or float to double");
      }
      // A file that widens the column is the one to name if a later file conflicts with it.
      NamespacePath named = unified.getType().equals(c.field().getType()) ? c.firstFile() : file;
      columns.put(f.getName(), new Column(unified, named, c.inEveryFile()));
    }
    fileCount++;
  }

  /** The unified columns, in order. */
  List<Field> fields() {
    List<Field> fields = new ArrayList<>(columns.size());
    columns.values().forEach(c -> fields.add(c.field()));
    return fields;
  }

  boolean has(String column) {
    return columns.containsKey(column);
  }

  /** The first file that has {@code column}, or null. */
  NamespacePath firstFileWith(String column) {
    Column c = columns.get(column);
    return c == null ? null : c.firstFile();
  }

  /** The field both {@code a} and {@code b} read as, or null if they cannot be unified. */
  static Field unify(Field a, Field b) {
    boolean nullable = a.isNullable() || b.isNullable();
    if (sameShape(a, b)) {
      return nullable == a.isNullable() ? a : nullable(a);
    }
    if (!a.getChildren().isEmpty() || !b.getChildren().isEmpty()) {
      return null;
    }
    ArrowType wider = wider(a.getType(), b.getType());
    if (wider == null) {
      return null;
    }
    return new Field(a.getName(), new FieldType(nullable, wider, null, a.getMetadata()), List.of());
  }

  /**
   * Whether a file column of type {@code from} is read as {@code to} by widening (int32 to int64,
   * float to double).
   */
  static boolean widens(ArrowType from, ArrowType to) {
    return !from.equals(to) && to.equals(wider(from, to));
  }

  private static ArrowType wider(ArrowType a, ArrowType b) {
    if (a instanceof ArrowType.Int x && b instanceof ArrowType.Int y) {
      boolean ok =
          x.getIsSigned()
              && y.getIsSigned()
              && ((x.getBitWidth() == 32 && y.getBitWidth() == 64)
                  || (x.getBitWidth() == 64 && y.getBitWidth() == 32));
      return ok ? new ArrowType.Int(64, true) : null;
    }
    if (a instanceof ArrowType.FloatingPoint x && b instanceof ArrowType.FloatingPoint y) {
      boolean ok =
          (x.getPrecision() == FloatingPointPrecision.SINGLE
                  && y.getPrecision() == FloatingPointPrecision.DOUBLE)
              || (x.getPrecision() == FloatingPointPrecision.DOUBLE
                  && y.getPrecision() == FloatingPointPrecision.SINGLE);
      return ok ? new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE) : null;
    }
    return null;
  }

  /** Equal types and children (children compared whole), whatever the top-level nullability. */
  private static boolean sameShape(Field a, Field b) {
    return a.getType().equals(b.getType()) && a.getChildren().equals(b.getChildren());
  }

  private static Field nullable(Field f) {
    if (f.isNullable()) {
      return f;
    }
    return new Field(
        f.getName(),
        new FieldType(true, f.getType(), f.getDictionary(), f.getMetadata()),
        f.getChildren());
  }

  private static String typeOf(Field f) {
    return f.getChildren().isEmpty() ? f.getType().toString() : f.toString();
  }
}
